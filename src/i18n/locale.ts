import { catalogs, type MessageKey, supportedLocales } from './messages.ts';

/**
 * The language of a page: the first supported tag of `ui_locales`, then of Accept-Language (by weight),
 * then `fallback` (the sign-in experience's default language), else English.
 */
export function pickLocale(uiLocales: string | undefined, acceptLanguage: string | undefined, fallback = 'en'): string {
  const candidates = [
    ...(uiLocales?.split(' ').filter(Boolean) ?? []),
    ...parseAcceptLanguage(acceptLanguage),
  ];
  for (const tag of candidates) {
    const lower = tag.toLowerCase();
    const base = lower.split('-')[0] ?? lower;
    const match = supportedLocales.find((locale) => locale === lower) ?? supportedLocales.find((locale) => locale === base);
    if (match) return match;
  }
  return supportedLocales.includes(fallback) ? fallback : 'en';
}

function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((entry) => entry.tag);
}

export type Translate = (key: MessageKey, values?: Record<string, string>) => string;

export function translator(locale: string): Translate {
  const messages = catalogs[locale] ?? catalogs.en!;
  return (key, values = {}) =>
    (messages[key] ?? catalogs.en![key]).replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Words for a user data scope (`scope.<name>`), or the scope's own name when it has none. */
export function scopeLabel(t: Translate, scope: string): string {
  const key = `scope.${scope}`;
  return key in catalogs.en! ? t(key as MessageKey) : scope;
}

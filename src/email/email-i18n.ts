import { en, type EmailMessageKey, type EmailMessages } from './locales/en.ts';
import { fr } from './locales/fr.ts';
import { ja } from './locales/ja.ts';
import { ko } from './locales/ko.ts';
import { ru } from './locales/ru.ts';

/** The texts of Sesame's emails, in the languages of its pages (src/i18n). */
export const emailCatalogs: Record<string, EmailMessages> = { en, fr, ja, ko, ru };

export type { EmailMessageKey };
export type EmailTranslate = (key: EmailMessageKey, values?: Record<string, string>) => string;

export function emailTranslator(locale: string): EmailTranslate {
  const messages = emailCatalogs[locale] ?? en;
  return (key, values = {}) => (messages[key] ?? en[key]).replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `locale` when Sesame writes email in it, else `fallback` (the sign-in experience's default language), else English. */
export function emailLocale(locale: string | null | undefined, fallback = 'en'): string {
  const base = locale?.toLowerCase().split(/[-_]/)[0];
  if (base && base in emailCatalogs) return base;
  return fallback in emailCatalogs ? fallback : 'en';
}

import { z } from 'zod';
import { languages } from '../i18n/languages.ts';
import { supportedLocales } from '../i18n/messages.ts';

/**
 * What a person reads about an API resource scope on the consent screen and the account page: its description
 * in their language when the admin wrote one, else its default description, else its name.
 */

export const maxScopeDescriptionLength = 1024;

const text = z.string().trim().max(maxScopeDescriptionLength);

export const scopeDescriptionSchema = text.meta({ title: 'Scope description' });

/** One description per language Sesame's pages ship; an empty one is dropped, so the default shows instead. */
export const scopeDescriptionTranslationsSchema = z.strictObject(
  Object.fromEntries(supportedLocales.map((locale) => [locale, text.meta({ title: `Description in ${languages.find((l) => l.code === locale)?.name ?? locale}` }).optional()])),
  {
    error: (issue) => (issue.code === 'unrecognized_keys'
      ? `can only be in the languages Sesame's pages ship (${supportedLocales.join(', ')}), not ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`
      : undefined),
  },
).meta({
  title: 'Description translations',
  description: `The description in each language of the consent screen, by language code (${supportedLocales.join(', ')}); an empty one is removed`,
}).transform((translations) => Object.fromEntries(Object.entries(translations).filter((entry): entry is [string, string] => Boolean(entry[1]))));

export interface DescribedScope {
  name: string;
  description: string;
  description_translations: Record<string, string>;
}

/** The words for a scope in `locale`: its translation, else its default description, else its name. */
export function scopeDescriptionIn(locale: string, scope: DescribedScope): string {
  const translated = Object.hasOwn(scope.description_translations ?? {}, locale) ? scope.description_translations[locale] : undefined;
  return translated || scope.description || scope.name;
}

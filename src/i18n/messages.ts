import { en } from './locales/en.ts';
import { fr } from './locales/fr.ts';
import { ja } from './locales/ja.ts';
import { ko } from './locales/ko.ts';
import { ru } from './locales/ru.ts';
import type { Messages } from './locales/en.ts';

export type { MessageKey, Messages } from './locales/en.ts';

/** Every text a person reads on Sesame's pages, by language: the seed languages. */
export const catalogs: Record<string, Messages> = { en, fr, ja, ko, ru };
export const supportedLocales = Object.keys(catalogs);


/**
 * The languages Sesame's pages ship (src/i18n/locales), by code: each one's name in English, for admins' labels
 * ("Description in French"), and in itself, for a person choosing it. The console reads this module too.
 */
export const languages = [
  { code: 'en', name: 'English', native: 'English' },
  { code: 'fr', name: 'French', native: 'Français' },
  { code: 'ja', name: 'Japanese', native: '日本語' },
  { code: 'ko', name: 'Korean', native: '한국어' },
  { code: 'ru', name: 'Russian', native: 'Русский' },
] as const;

export type LanguageCode = (typeof languages)[number]['code'];

import type { Translate } from '../i18n/locale.ts';

/** "4 minutes", "1 hour", in the page's language; rounded up to whole minutes or hours, so never too short. */
export function durationWords(t: Translate, seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const hours = Math.ceil(minutes / 60);
  return minutes < 60
    ? (minutes === 1 ? t('throttle.minute') : t('throttle.minutes', { n: String(minutes) }))
    : (hours === 1 ? t('throttle.hour') : t('throttle.hours', { n: String(hours) }));
}

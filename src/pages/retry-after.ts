import type { Context } from 'koa';
import type { Translate } from '../i18n/locale.ts';

/** "Too many attempts. Try again in 4 minutes.", in the page's language; rounded up, so never too early. */
export function tooManyAttempts(t: Translate, seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const hours = Math.ceil(minutes / 60);
  const wait = minutes < 60
    ? (minutes === 1 ? t('throttle.minute') : t('throttle.minutes', { n: String(minutes) }))
    : (hours === 1 ? t('throttle.hour') : t('throttle.hours', { n: String(hours) }));
  return t('throttle.tooMany', { wait });
}

/** The header every throttled answer carries (RFC 9110 §10.2.3), in whole seconds. */
export function setRetryAfter(ctx: Pick<Context, 'set'>, seconds: number): void {
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(seconds))));
}

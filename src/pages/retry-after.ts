import type { Context } from 'koa';
import type { Translate } from '../i18n/locale.ts';
import { durationWords } from './duration.ts';

/** "Too many attempts. Try again in 4 minutes.", in the page's language; rounded up, so never too early. */
export function tooManyAttempts(t: Translate, seconds: number): string {
  return t('throttle.tooMany', { wait: durationWords(t, seconds) });
}

/** The header every throttled answer carries (RFC 9110 §10.2.3), in whole seconds. */
export function setRetryAfter(ctx: Pick<Context, 'set'>, seconds: number): void {
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(seconds))));
}

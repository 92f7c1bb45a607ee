import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientIp } from '../http/client-ip.ts';
import { messagePage } from '../pages/message.page.ts';
import { pageContentSecurityPolicyFor } from '../pages/layout.ts';
import { pageContext } from '../pages/page-context.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';
import { userCodeSubjects, type Throttle } from '../throttle/throttle.service.ts';

/**
 * Throttles guessing device-flow user codes (src/throttle/, policy `user_code_ip`): a live code typed by someone
 * else would sign their account in on the guesser's device. oidc-provider checks the code inside its route, so the
 * page that says "wrong code" marks the request, and this middleware, around the route, counts it before the answer
 * leaves. A blocked IP is refused before any code is looked up, the right code too.
 */

const wrongCode = Symbol('wrongUserCode');
type Marked = KoaContextWithOIDC & { [wrongCode]?: boolean };

/** Called by the code entry page when the typed code matched no device code. */
export function markWrongUserCode(ctx: KoaContextWithOIDC): void {
  (ctx as Marked)[wrongCode] = true;
}

function sendTooMany(ctx: KoaContextWithOIDC, seconds: number) {
  const uiLocales = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales.slice(0, 64) : undefined;
  const { t, locale, brand } = pageContext(ctx, uiLocales);
  ctx.status = 429;
  setRetryAfter(ctx, seconds);
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor(signInExperienceOf(ctx)));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = messagePage({ t, locale, brand, title: t('device.title'), text: tooManyAttempts(t, seconds) });
}

export function userCodeThrottle(throttle: Throttle, codeVerificationPath: string): Middleware {
  return async function throttleUserCodes(ctx, next) {
    if (ctx.method !== 'POST' || ctx.path !== codeVerificationPath) return next();
    const oidcCtx = ctx as unknown as Marked;
    const ip = clientIp(ctx.req, ctx.app.proxy);
    const subjects = userCodeSubjects(ip);
    const wait = await throttle.retryAfter(subjects);
    if (wait) return sendTooMany(oidcCtx, wait);
    await next();
    if (!oidcCtx[wrongCode]) return;
    const blocked = await throttle.recordFailure(subjects, { ip, userAgent: ctx.get('user-agent').slice(0, 512) });
    if (blocked) sendTooMany(oidcCtx, blocked);
  };
}

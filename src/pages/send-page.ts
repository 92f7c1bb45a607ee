import type { Context } from 'koa';
import { pageContentSecurityPolicyFor, type PageState } from './layout.ts';
import { messagePage } from './message.page.ts';
import type { PageContext } from './page-context.ts';

/**
 * Sends a rendered page: never cached, and under the pages' content security policy (with the request's brand, if
 * any). `scripts` allows Sesame's page scripts (src/pages/page-scripts.ts), for a page that has WebAuthn forms, from
 * the issuer's origin (the request's scheme and host are the issuer's: src/http/issuer-origin.ts; Koa 3's ctx.origin
 * is the Origin header instead).
 */
export function sendPage(ctx: Context, body: string, status = 200, options: { scripts?: boolean } = {}): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor((ctx.state as PageState).signInExperience, options.scripts ? { origin: `${ctx.protocol}://${ctx.host}` } : undefined));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** Sends the error page: `text` under the generic error title. */
export function sendErrorPage(ctx: Context, { t, locale, brand }: PageContext, text: string, status: number): void {
  sendPage(ctx, messagePage({ t, locale, brand, title: t('error.title'), text }), status);
}

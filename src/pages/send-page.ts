import type { Context } from 'koa';
import { pageContentSecurityPolicyFor, type PageState } from './layout.ts';

/** Sends a rendered page: never cached, and under the pages' content security policy (with the request's brand, if any). */
export function sendPage(ctx: Context, body: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor((ctx.state as PageState).signInExperience));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

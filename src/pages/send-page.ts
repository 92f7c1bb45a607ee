import type { Context } from 'koa';
import { pageContentSecurityPolicy } from './layout.ts';

/** Sends a rendered page: never cached, and under the pages' content security policy. */
export function sendPage(ctx: Context, body: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicy);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

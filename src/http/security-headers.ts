import type { Middleware } from 'koa';

/**
 * Headers every response carries: no framing, no sniffing, no referrer leaking codes or interaction ids.
 * Set before the handler runs, since oidc-provider writes its responses itself; pages replace the CSP with their own.
 */
export const securityHeaders: Middleware = async (ctx, next) => {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Content-Security-Policy', "frame-ancestors 'none'");
  await next();
};

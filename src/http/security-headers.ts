import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';

/** Headers every response carries: no framing, no sniffing, no referrer leaking codes or interaction ids. */
const headers: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "frame-ancestors 'none'",
};

/** Sets them on a response oidc-provider will write itself. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/** Set before the handler runs, since oidc-provider writes its responses itself; pages replace the CSP with their own. */
export const securityHeaders: Middleware = async (ctx, next) => {
  setSecurityHeaders(ctx.res);
  await next();
};

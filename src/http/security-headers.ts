import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';

/** Headers every response carries: no framing, no sniffing, no referrer leaking codes or interaction ids. */
const headers: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "frame-ancestors 'none'",
};

/**
 * With an https issuer, browsers are also told to reach the issuer's host (and any host below it) only over https
 * for a year. Never with an http issuer: it would lock browsers out of a Sesame that has no TLS.
 */
const hsts = 'max-age=31536000; includeSubDomains';

export interface SecurityHeaders {
  /** Sets them on a response oidc-provider will write itself. */
  set(res: ServerResponse): void;
  /** Set before the handler runs, since oidc-provider writes its responses itself; pages replace the CSP with their own. */
  middleware: Middleware;
}

export function securityHeaders(issuer: string): SecurityHeaders {
  const all = new URL(issuer).protocol === 'https:' ? { ...headers, 'Strict-Transport-Security': hsts } : headers;
  const set = (res: ServerResponse) => {
    for (const [name, value] of Object.entries(all)) res.setHeader(name, value);
  };
  return {
    set,
    async middleware(ctx, next) {
      set(ctx.res);
      await next();
    },
  };
}

import type { Middleware } from 'koa';

/**
 * RFC 7009 §2.2: a revocation succeeds with 200 and a body the client ignores. oidc-provider sends an empty
 * text body, which Koa labels `text/plain`; clients that read every answer as JSON refuse that type (oidc-client-ts
 * with `revokeTokensOnSignout` stops the sign-out). The success is answered as an empty JSON object instead, the
 * type the endpoint's errors already have and the one clients ask for.
 */
export function jsonRevocationResponse(revocationPath: string): Middleware {
  return async function answerRevocationInJson(ctx, next) {
    await next();
    if (ctx.path === revocationPath && ctx.method === 'POST' && ctx.status === 200 && ctx.body === '') ctx.body = {};
  };
}

import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { deviceCodeGrantType } from '../apps/client-metadata.ts';

/**
 * RFC 8628 §3.1 answers device authorization errors as RFC 6749 §5.2 does: an app that may not use the grant is
 * `unauthorized_client`. oidc-provider says `invalid_request`; an app it authenticated that lacks the grant type
 * can only have failed that check (the first after authentication), so the code is corrected for it.
 */
export function deviceAuthorizationErrors(path: string): Middleware {
  return async function correctDeviceAuthorizationError(ctx, next) {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== path || ctx.status !== 400) return;
    const client = (ctx as unknown as KoaContextWithOIDC).oidc?.client;
    const body = ctx.body as { error?: unknown } | undefined;
    if (client && !client.grantTypeAllowed(deviceCodeGrantType) && body?.error === 'invalid_request') {
      ctx.body = { ...body, error: 'unauthorized_client' };
    }
  };
}

import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { deviceCodeGrantType } from '../apps/client-metadata.ts';

/**
 * RFC 8628 §3.1 and RFC 6749 §5.2: an app that may not use the device grant is `unauthorized_client`, at the device
 * authorization endpoint and at the token endpoint. oidc-provider says `invalid_request`; an app it authenticated
 * that lacks the grant type can only have failed that check (the first after authentication), so the code is
 * corrected for it. Other grant types keep oidc-provider's answer.
 */
export function deviceGrantErrors(paths: { deviceAuthorization: string; token: string }): Middleware {
  return async function correctDeviceGrantError(ctx, next) {
    await next();
    if (ctx.method !== 'POST' || ctx.status !== 400) return;
    if (ctx.path !== paths.deviceAuthorization && ctx.path !== paths.token) return;
    const oidc = (ctx as unknown as KoaContextWithOIDC).oidc;
    const body = ctx.body as { error?: unknown } | undefined;
    if (body?.error !== 'invalid_request' || !oidc?.client || oidc.client.grantTypeAllowed(deviceCodeGrantType)) return;
    const asked = ctx.path === paths.token ? (oidc.params as { grant_type?: unknown } | undefined)?.grant_type : deviceCodeGrantType;
    if (asked === deviceCodeGrantType) ctx.body = { ...body, error: 'unauthorized_client' };
  };
}

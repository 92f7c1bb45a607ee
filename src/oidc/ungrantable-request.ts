import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * extraParams validator on the authorization endpoint, run once oidc-provider knows the client, the resource and the
 * scopes, before anyone signs in. oidc-provider ends an authorization that would grant nothing (no OpenID scope, no
 * API scope) with a bare access_denied, and only after the person signed in (interactions.js). A request with no
 * `scope` at all, or only scopes the app may not have, can never grant anything: the app hears invalid_scope at
 * once, saying what to ask for. Before sign-in the app's share of each API is known (src/oidc/resources.ts); what the
 * person holds is checked when they have signed in.
 */
export function refuseUngrantableAuthorization(ctx: KoaContextWithOIDC): void {
  const { oidc } = ctx;
  if (oidc.route !== 'authorization' || oidc.params?.authorization_details) return;
  if (oidc.requestParamOIDCScopes.size) return;
  const requested = oidc.requestParamScopes;
  const servers = Object.entries(oidc.resourceServers ?? {});
  if (servers.some(([, server]) => (server.scope ?? '').split(' ').some((scope) => scope && requested.has(scope)))) return;
  if (!requested.size) {
    throw new errors.InvalidScope(servers.length
      ? `the request names no scope: ask for openid to sign the person in, or for a scope of ${servers.map(([indicator]) => indicator).join(', ')} this app may use`
      : 'the request names no scope and no API: ask for openid to sign the person in, or name an API (resource) and the scopes to ask of it', '');
  }
  throw new errors.InvalidScope(servers.length
    ? `none of the requested scopes is one this app may get for ${servers.map(([indicator]) => indicator).join(', ')}; an administrator allows an app its scopes`
    : 'none of the requested scopes is known without an API: ask for openid, or name the API (resource) the scopes belong to', [...requested].join(' '));
}

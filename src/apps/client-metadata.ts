import type { Application } from '../db/tables.ts';
import { isConfidential, isDynamicOrigin } from './app-types.ts';
import { accountClientId } from './built-in.ts';
import { canonicalUris } from './redirect-uri.ts';

/** RFC 8628 §3.4: the grant type a device polls the token endpoint with. */
export const deviceCodeGrantType = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * The canonical form of each frozen URI list, worked out once rather than on every request that loads the client:
 * the node's cache (src/cache/directory.ts) shares frozen rows and replaces them, never changes them, on a change.
 */
const canonicalForms = new WeakMap<readonly string[], readonly string[]>();

/** A new list holding `uris` in canonical form. */
function canonicalCopy(uris: readonly string[]): string[] {
  if (!Object.isFrozen(uris)) return canonicalUris(uris);
  let canonical = canonicalForms.get(uris);
  if (!canonical) canonicalForms.set(uris, canonical = canonicalUris(uris));
  return [...canonical];
}

/** oidc-provider client metadata for an application, derived from its type (DESIGN.md §3). */
export function clientMetadata(
  app: Application,
  clientSecret: { value: string; expiresAt: number } | undefined,
  /** A third-party app's allowlist of user data scopes; anything else it asks for fails with invalid_scope. */
  allowedUserScopes?: readonly string[],
) {
  const interactive = app.type !== 'm2m';
  // A CLI or TV app that signs in only with the device flow has no redirect URIs, so no authorization code flow.
  const codeFlow = interactive && !(app.device_flow && app.redirect_uris.length === 0);
  const grantTypes = [...(codeFlow ? ['authorization_code'] : []), ...(interactive ? ['refresh_token'] : []), ...(app.device_flow ? [deviceCodeGrantType] : [])];
  return {
    client_id: app.id,
    client_name: app.display_name ?? app.name,
    ...(app.third_party ? { scope: ['openid', 'offline_access', ...(allowedUserScopes ?? [])].join(' ') } : {}),
    application_type: app.type === 'native' ? 'native' : 'web',
    token_endpoint_auth_method: isConfidential(app.type) ? 'client_secret_basic' : 'none',
    ...(isConfidential(app.type) && clientSecret
      ? { client_secret: clientSecret.value, client_secret_expires_at: clientSecret.expiresAt }
      : {}),
    grant_types: interactive ? grantTypes : ['client_credentials'],
    response_types: codeFlow ? ['code'] : [],
    // The account page asks for a recent sign-in before changes to second factors: its ID tokens carry auth_time.
    ...(app.id === accountClientId ? { require_auth_time: true } : {}),
    // New lists (the row may be shared, src/cache/directory.ts, and the metadata is oidc-provider's to keep), in
    // the form requests are compared in: rows written before Sesame stored that form hold URIs as typed.
    redirect_uris: interactive ? canonicalCopy(app.redirect_uris) : [],
    post_logout_redirect_uris: interactive ? canonicalCopy(app.post_logout_redirect_uris) : [],
    // OpenID Connect Back-Channel Logout 1.0 (src/logout/): oidc-provider signs the logout tokens.
    ...(interactive && app.backchannel_logout_uri ? { backchannel_logout_uri: app.backchannel_logout_uri } : {}),
    backchannel_logout_session_required: app.backchannel_logout_session_required,
    // RFC 9449 §5.2: oidc-provider refuses token requests without a DPoP proof.
    dpop_bound_access_tokens: app.dpop_bound_access_tokens,
    'sesame/type': app.type,
    'sesame/third_party': app.third_party,
    'sesame/cors_origins': [...app.cors_origins],
    // DESIGN.md §7: an app that arrived by itself never holds management access, whatever its row says.
    'sesame/management_access': app.management_access && !isDynamicOrigin(app.origin),
    'sesame/refresh_token_ttl_days': app.refresh_token_ttl_days,
    'sesame/rotate_refresh_token': app.rotate_refresh_token,
    ...(app.default_resource ? { 'sesame/default_resource': app.default_resource } : {}),
    'sesame/access_token_ttl': app.access_token_ttl,
    'sesame/consent_policy': app.consent_policy,
    'sesame/preapproved': [...app.preapproved_scopes],
  };
}

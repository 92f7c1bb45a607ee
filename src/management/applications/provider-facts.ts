import type { ProviderFacts } from '../../apps/guide/context.ts';
import { claimsByScope } from '../../oidc/claims.ts';
import { oidcRoutes } from '../../oidc/provider.ts';

/** What the provider serves, as an app's integration guide and its Endpoints card show it. */
export function providerFacts(issuer: string, idTokenSigningAlg: string): ProviderFacts {
  return {
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
    endpoints: {
      authorization: `${issuer}${oidcRoutes.authorization}`,
      token: `${issuer}${oidcRoutes.token}`,
      userinfo: `${issuer}${oidcRoutes.userinfo}`,
      jwks: `${issuer}${oidcRoutes.jwks}`,
      endSession: `${issuer}${oidcRoutes.end_session}`,
      revocation: `${issuer}${oidcRoutes.revocation}`,
      introspection: `${issuer}${oidcRoutes.introspection}`,
      deviceAuthorization: `${issuer}${oidcRoutes.device_authorization}`,
      deviceVerification: `${issuer}${oidcRoutes.code_verification}`,
    },
    idTokenSigningAlg,
    claimsByScope,
  };
}

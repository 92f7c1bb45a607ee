import { hkdfSync } from 'node:crypto';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.ts';

/**
 * DPoP (RFC 9449): oidc-provider binds access tokens, and a public client's refresh tokens, to the key that signs
 * the proofs; userinfo and introspection check and report the binding (`cnf.jkt`). Sesame chooses:
 * - the nonce secret, derived from the master secret every node shares, so a `DPoP-Nonce` one node issued is good
 *   on every node (nonces change each minute and stay good for a few);
 * - when a nonce is required (SESAME_DPOP_REQUIRE_NONCE);
 * - that a proof is used once, on any node: its jti is stored through the adapter in the shared database
 *   (src/oidc/adapter.ts, model ReplayDetection), where the first to store it wins.
 */
export function dpopFeature(config: Config, masterSecret: string): NonNullable<NonNullable<Configuration['features']>['dPoP']> {
  return {
    enabled: true,
    nonceSecret: Buffer.from(hkdfSync('sha256', masterSecret, 'sesame', 'sesame/dpop-nonce/v1', 32)),
    requireNonce: (ctx: KoaContextWithOIDC) => nonceRequired(config.dpop.requireNonce, ctx),
    allowReplay: false,
  };
}

/**
 * `public`: at the token endpoint, for clients without a secret. Their proof is all that binds what they get, and a
 * nonce keeps a proof made in advance (by code that briefly had use of the key) from being good later.
 */
function nonceRequired(policy: Config['dpop']['requireNonce'], ctx: KoaContextWithOIDC): boolean {
  if (policy !== 'public') return policy === 'always';
  return ctx.oidc.route === 'token' && ctx.oidc.client?.clientAuthMethod === 'none';
}

import type { Config } from '../config/config.ts';

/** The configured defaults: SESAME_ACCESS_TOKEN_TTL and SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL. */
export type AccessTokenDefaults = Pick<Config['ttl'], 'accessToken' | 'thirdPartyAccessToken'>;

/**
 * How long an app's access token lives, in seconds (issue 15 §2). A resource server checks a JWT on its own until it
 * expires, so this is also how long *Revoke access* may take to stop it. Third-party apps get a short default
 * (SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL); the app's own lifetime replaces the default, and an API resource's
 * lifetime applies too: the shorter wins. A first-party app with no lifetime of its own keeps the resource's, else
 * SESAME_ACCESS_TOKEN_TTL.
 */
export function accessTokenLifetime(
  defaults: AccessTokenDefaults,
  app: { thirdParty: boolean; accessTokenTtl: number | null | undefined },
  resourceTtl?: number | null,
): number {
  const own = app.accessTokenTtl ?? (app.thirdParty ? defaults.thirdPartyAccessToken : undefined);
  const bounds = [own, resourceTtl ?? undefined].filter((ttl): ttl is number => typeof ttl === 'number' && ttl > 0);
  return bounds.length ? Math.min(...bounds) : defaults.accessToken;
}

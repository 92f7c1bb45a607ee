import { accessTokenLifetime, type AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import type { Db } from '../db/database.ts';

/**
 * How long *Revoke access* may take to stop an app, in seconds, for each app (issue 15 §2). Revoking ends the
 * grant with its refresh tokens, codes and opaque access tokens (userinfo tokens, and those of APIs that take
 * opaque ones) at once; a JWT access token for an API is checked by the API alone, so it works until it expires.
 * The bound is the longest lifetime among the JWT APIs the app was granted: 0 when it holds none.
 */
export async function revocationBounds(
  db: Db,
  defaults: AccessTokenDefaults,
  grants: { clientId: string; resources: string[] }[],
): Promise<Map<string, number>> {
  const bounds = new Map<string, number>();
  if (!grants.length) return bounds;
  const indicators = [...new Set(grants.flatMap((g) => g.resources))];
  const [apps, resources] = await Promise.all([
    db.selectFrom('applications').select(['id', 'third_party', 'access_token_ttl'])
      .where('id', 'in', grants.map((g) => g.clientId)).execute(),
    indicators.length
      ? db.selectFrom('api_resources').select(['indicator', 'access_token_ttl', 'access_token_format'])
        .where('indicator', 'in', indicators).execute()
      : [],
  ]);
  for (const { clientId, resources: granted } of grants) {
    const app = apps.find((a) => a.id === clientId);
    const lifetimes = granted.map((indicator) => {
      const resource = resources.find((r) => r.indicator === indicator);
      if (resource?.access_token_format === 'opaque') return 0;
      // The built-in Management API is not a row: its tokens live as long as any other JWT.
      return accessTokenLifetime(defaults, { thirdParty: app?.third_party !== false, accessTokenTtl: app?.access_token_ttl }, resource?.access_token_ttl);
    });
    bounds.set(clientId, Math.max(0, ...lifetimes));
  }
  return bounds;
}

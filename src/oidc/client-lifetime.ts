import { isThirdParty } from '../apps/third-party.ts';

/** What an oidc-provider client says of its access token lifetime (client metadata, src/apps/client-metadata.ts). */
export function lifetimeOf(client: object | undefined): { thirdParty: boolean; accessTokenTtl: number | null } {
  const ttl = (client as Record<string, unknown> | undefined)?.['sesame/access_token_ttl'];
  return { thirdParty: isThirdParty(client), accessTokenTtl: typeof ttl === 'number' ? ttl : null };
}

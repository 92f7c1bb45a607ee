import type { KoaContextWithOIDC } from 'oidc-provider';

/** Whether the client is one of the organisation's own apps, which are consented automatically. */
export function isFirstParty(client: object | undefined): boolean {
  return (client as Record<string, unknown> | undefined)?.['sesame/third_party'] !== true;
}

/**
 * oidc-provider's `loadExistingGrant`: the session's grant for the client; for a first-party app it is
 * created or extended with everything the request asks for, so no consent screen is shown (DESIGN.md §4).
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session) return undefined;
  const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
  const existing = grantId ? await provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client) || !session.accountId) return existing;

  const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
  grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
  for (const [indicator, resourceServer] of Object.entries(ctx.oidc.resourceServers ?? {})) {
    if (resourceServer.scope) grant.addResourceScope(indicator, resourceServer.scope);
  }
  await grant.save();
  return grant;
}

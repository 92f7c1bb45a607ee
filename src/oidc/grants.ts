import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { isThirdParty } from '../apps/third-party.ts';
import { findGrantOfUserForApp } from '../grants/grant.repository.ts';

/**
 * oidc-provider's `loadExistingGrant`.
 * - A first-party app's grant is the browser session's, extended with everything the request asks for:
 *   no consent screen.
 * - A third-party app's consent is remembered per user and app, not per browser session (DESIGN.md §4): the
 *   session's grant, else the user's newest one for the app. It outlives sign-out, and scopes the person
 *   once refused are asked about again on a new request.
 * - A grant the person has just decided on is used as it is.
 */
export function grantLoader(db: Db) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC) {
    const { client, session, provider } = ctx.oidc;
    if (!client || !session) return undefined;
    const accountId = session.accountId;
    const thirdParty = isThirdParty(client);
    const decided = ctx.oidc.result?.consent?.grantId;
    const grantId = decided || session.grantIdFor(client.clientId)
      || (thirdParty && accountId ? (await findGrantOfUserForApp(db, accountId, client.clientId))?.jti : undefined);
    const existing = grantId ? await provider.Grant.find(grantId) : undefined;
    if (existing && existing.accountId !== accountId) return undefined;
    // Remembered consent is not the browser session's to end: signing out leaves it in place. The container
    // must exist first: on a session with no authorizations yet, authorizationFor returns a detached object.
    if (thirdParty && existing) {
      session.ensureClientContainer(client.clientId);
      session.authorizationFor(client.clientId).persistsLogout = true;
    }
    if (decided) return existing;

    if (thirdParty) {
      if (existing) delete (existing as { rejected?: unknown }).rejected;
      return existing;
    }
    if (!accountId) return existing;
    const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId });
    const before = existing && grantedSoFar(existing);
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    for (const [indicator, resourceServer] of Object.entries(ctx.oidc.resourceServers ?? {})) {
      if (resourceServer.scope) grant.addResourceScope(indicator, resourceServer.scope);
    }
    // An app signing the same person in again asks for what it was granted before: nothing to write. (Saving
    // never extends a grant's life, so skipping it changes nothing else.)
    if (!existing || grantedSoFar(grant) !== before) await grant.save();
    return grant;
  };
}

/** What a grant holds, comparable before and after adding to it. */
function grantedSoFar(grant: Grant): string {
  const resources = Object.entries(grant.resources ?? {}).filter(([, scope]) => scope);
  return JSON.stringify([grant.openid?.scope ?? '', grant.openid?.claims ?? [], resources]);
}

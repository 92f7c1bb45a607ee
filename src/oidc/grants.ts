import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { isThirdParty } from '../apps/third-party.ts';
import { coversAll, isEmpty, preapprovedPart, union, type ConsentPolicyOfClient, type Requested } from '../consents/consent-policy.ts';
import { findConsent, recordAdminConsent, type ConsentContent } from '../consents/consent.service.ts';
import { findGrantOfUserForApp } from '../grants/grant.repository.ts';

/**
 * oidc-provider's `loadExistingGrant`.
 * - A first-party app's grant is the browser session's, extended with everything the request asks for:
 *   no consent screen.
 * - A third-party app's grant is derived from the person's consent (src/consents/, DESIGN.md §7): the session's
 *   grant, else the user's newest one for the app, else a new one, made to hold exactly what the consent allows.
 *   An app that revoked or lost its tokens (and with them its grant) gets a new grant, not a consent screen; no
 *   consent, no grant, and the screen asks. Scopes the person once refused are asked about again on a new request.
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
    const found = grantId ? await provider.Grant.find(grantId) : undefined;
    const existing = found && found.accountId === accountId && found.clientId === client.clientId ? found : undefined;
    // Offline access and remembered consent are not the browser session's to end: signing out leaves them. The
    // container must exist first: on a session with no authorizations yet, authorizationFor returns a detached object.
    if (thirdParty && accountId) {
      session.ensureClientContainer(client.clientId);
      session.authorizationFor(client.clientId).persistsLogout = true;
    }
    if (decided) return existing;
    if (!accountId) return thirdParty ? undefined : existing;

    if (thirdParty) {
      const requested = requestedBy(ctx);
      const preapproved = preapprovedPart(client as unknown as ConsentPolicyOfClient, requested);
      let consent: ConsentContent | undefined = await findConsent(db, accountId, client.clientId);
      if (!consent && isEmpty(preapproved)) return undefined;
      // Everything asked for is pre-approved: no screen, and the app is connected by the admin's decision.
      if (!consent && coversAll(preapproved, requested)) consent = await recordAdminConsent(db, accountId, client.clientId, preapproved);
      const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId });
      const before = existing && grantedSoFar(existing);
      holdExactly(grant, union(consent ?? { scopes: [], claims: [], resourceScopes: {} }, preapproved));
      if (!existing || grantedSoFar(grant) !== before) await grant.save();
      return grant;
    }
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

type GrantFields = Grant & { openid?: { scope?: string; claims?: string[] }; resources?: Record<string, string>; rejected?: unknown };

/** What the request asks for: its OpenID Connect scopes, and the resource scopes oidc-provider found it may get. */
export function requestedBy(ctx: KoaContextWithOIDC): Requested {
  return {
    scopes: [...ctx.oidc.requestParamOIDCScopes],
    resourceScopes: Object.fromEntries(Object.entries(ctx.oidc.resourceServers ?? {})
      .map(([indicator, server]) => [indicator, (server.scope ?? '').split(' ').filter(Boolean)])),
  };
}

/** Makes the grant hold what the consent allows, no more and no less; nothing stays rejected, so new asks are asked. */
function holdExactly(grant: Grant, consent: ConsentContent): void {
  const g = grant as GrantFields;
  delete g.rejected;
  g.openid = { scope: consent.scopes.join(' '), claims: [...consent.claims] };
  g.resources = Object.fromEntries(Object.entries(consent.resourceScopes).map(([indicator, scopes]) => [indicator, scopes.join(' ')]));
}

/** What a grant holds, comparable before and after adding to it. */
function grantedSoFar(grant: Grant): string {
  const resources = Object.entries(grant.resources ?? {}).filter(([, scope]) => scope);
  return JSON.stringify([grant.openid?.scope ?? '', grant.openid?.claims ?? [], resources]);
}

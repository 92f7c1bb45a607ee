import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { revokeGrantsOfUserForApp } from '../grants/grant.repository.ts';
import { findConsentRow, updateConsentContent } from './consent.repository.ts';
import type { Actor } from './consent.service.ts';
import { isPreapproved } from './consent-policy.ts';

const words = (value: string) => value.split(' ').filter(Boolean);

/**
 * The person takes one permission back from an app on /account (issue 15 §3), not all of it: a user data scope
 * (`email`, `offline_access`…) or an API resource scope (`INDICATOR SCOPE`). The consent narrows to the rest, and
 * the app's grants end with every token they issued, so no token keeps what was taken back; the next sign-in
 * derives a grant from what remains, with no consent screen for it. `openid` is the connection itself: taking it
 * back is *Revoke access*. A permission an admin approved for everyone (consent-policy.ts) is not the person's to remove. Audited as `consent.narrowed`. Answers whether the consent held the permission.
 */
export async function removeConsentPermission(db: Db, userId: string, clientId: string, permission: string, actor: Actor = {}): Promise<boolean> {
  const row = await findConsentRow(db, userId, clientId);
  if (!row || permission === 'openid') return false;
  // What the admin approved for everyone is not the person's to take back: it would come back at the next sign-in.
  const app = await db.selectFrom('applications').select(['consent_policy', 'preapproved_scopes']).where('id', '=', clientId).executeTakeFirst();
  if (app && isPreapproved(app, permission)) return false;
  const scopes = words(row.scopes);
  const resourceScopes = Object.fromEntries(Object.entries(row.resource_scopes ?? {}).map(([indicator, scope]) => [indicator, words(String(scope))]));
  const [indicator, scope] = permission.includes(' ') ? permission.split(' ', 2) as [string, string] : [undefined, permission];
  const held = indicator === undefined ? scopes.includes(scope) : Boolean(resourceScopes[indicator]?.includes(scope));
  if (!held) return false;
  const claims = Array.isArray(row.claims) ? row.claims : [];
  // Claims asked for one by one may belong to the scope taken back: they go with it, as a narrower allowlist does.
  await updateConsentContent(db, row.id, indicator === undefined
    ? { scopes: scopes.filter((s) => s !== scope), claims: [], resourceScopes }
    : { scopes, claims, resourceScopes: { ...resourceScopes, [indicator]: resourceScopes[indicator]!.filter((s) => s !== scope) } });
  await revokeGrantsOfUserForApp(db, userId, clientId);
  await recordAuditEvent(db, {
    type: 'consent.narrowed', userId, clientId, ip: actor.ip, userAgent: actor.userAgent,
    details: { by: 'user', reason: 'permission_removed', removed: [permission] },
  });
  return true;
}

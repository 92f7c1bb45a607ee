import { recordAuditEvent, type AuditEventType } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { revokeGrantsOfUserForApp } from '../grants/grant.repository.ts';
import { contentValues } from './consent-policy.ts';
import {
  deleteConsentRow, findConsentRow, findConsentRowsOfApp, findConsentRowsOfUser, updateConsentContent, upsertConsentRow,
  type ConsentContent, type ConsentRow,
} from './consent.repository.ts';

/**
 * A person's decision is not a token (issue 15 §1, DESIGN.md §7). What a user allowed a third-party app lives here;
 * oidc-provider's Grant is derived from it at each authorization (src/oidc/grants.ts), so an app that revokes or
 * loses its tokens, and the Grant with them, leaves the decision in place. Only these end it, each an audit event
 * naming who did: the person (*Revoke access*), an admin (Management API, CLI, console, suspending or deleting the
 * account), its expiry, and a narrower allowlist (which keeps what is still allowed).
 */

export type { ConsentContent };

export interface Consent extends ConsentContent {
  id: string;
  userId: string;
  clientId: string;
  source: 'person' | 'admin';
  grantedAt: Date;
  updatedAt: Date;
  /** null: until revoked. */
  expiresAt: Date | null;
}

/** Who caused a change, as the audit trail records it. */
export interface Actor {
  ip?: string | null;
  userAgent?: string | null;
  /** Who acted through the Management API: an admin user, or an m2m app. */
  principal?: { kind: 'user'; userId: string; clientId: string } | { kind: 'application'; clientId: string };
}

/** Who ends a consent, and why. */
export interface ConsentEnd {
  by: 'user' | 'admin' | 'expiry';
  /** revoked (by the person or an admin), expired, suspended, deleted (the account). */
  reason: 'revoked' | 'expired' | 'suspended' | 'deleted';
  actor?: Actor;
}

const words = (value: string) => value.split(' ').filter(Boolean);

function toConsent(row: ConsentRow): Consent {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    scopes: words(row.scopes),
    claims: Array.isArray(row.claims) ? row.claims : [],
    resourceScopes: Object.fromEntries(Object.entries(row.resource_scopes ?? {}).map(([indicator, scope]) => [indicator, words(String(scope))])),
    source: row.source,
    grantedAt: row.granted_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

const isExpired = (row: ConsentRow, now = new Date()) => row.expires_at !== null && row.expires_at <= now;

function actorDetails(actor: Actor | undefined): Record<string, unknown> {
  const principal = actor?.principal;
  if (!principal) return {};
  return { actor: principal.kind === 'user' ? { user_id: principal.userId, client_id: principal.clientId } : { client_id: principal.clientId } };
}

async function audit(db: Db, type: AuditEventType, row: { user_id: string; client_id: string }, actor: Actor | undefined, details: Record<string, unknown>) {
  await recordAuditEvent(db, {
    type, userId: row.user_id, clientId: row.client_id, ip: actor?.ip, userAgent: actor?.userAgent,
    details: { ...details, ...actorDetails(actor) },
  });
}

/** Deletes the consent and every grant (with its tokens) of the user for the app, and says who did it. */
async function endConsent(db: Db, row: ConsentRow, end: ConsentEnd): Promise<void> {
  await deleteConsentRow(db, row.id);
  await revokeGrantsOfUserForApp(db, row.user_id, row.client_id);
  await audit(db, end.reason === 'expired' ? 'consent.expired' : 'consent.revoked', row, end.actor, { by: end.by, reason: end.reason });
}

/** The user's live consent for the app. One found expired is ended (audited as `consent.expired`) and not answered. */
export async function findConsent(db: Db, userId: string, clientId: string): Promise<Consent | undefined> {
  const row = await findConsentRow(db, userId, clientId);
  if (!row) return undefined;
  if (isExpired(row)) {
    await endConsent(db, row, { by: 'expiry', reason: 'expired' });
    return undefined;
  }
  return toConsent(row);
}

/** The user's live consents, newest decision first; expired ones are ended on the way. */
export async function listConsentsOfUser(db: Db, userId: string): Promise<Consent[]> {
  const rows = await findConsentRowsOfUser(db, userId);
  for (const row of rows.filter((r) => isExpired(r))) await endConsent(db, row, { by: 'expiry', reason: 'expired' });
  return rows.filter((r) => !isExpired(r)).map(toConsent);
}

/**
 * Records a decision: the consent becomes `content` (what the person now allows, everything they decided on
 * before included), remembered until `expiresAt` (null: until revoked). Audited as `consent.granted` with what was
 * granted and refused on this screen.
 */
export async function recordConsent(
  db: Db,
  decision: {
    userId: string;
    clientId: string;
    content: ConsentContent;
    expiresAt: Date | null;
    source?: 'person' | 'admin';
    decided: { granted: string[]; refused: string[] };
  },
  actor: Actor = {},
): Promise<void> {
  await upsertConsentRow(db, { ...decision, source: decision.source ?? 'person' });
  await audit(db, 'consent.granted', { user_id: decision.userId, client_id: decision.clientId }, actor, {
    ...decision.decided, ...(decision.source === 'admin' ? { by: 'admin' } : {}),
  });
}

/**
 * An admin's pre-approval let the user in with no screen: the app is connected by the admin's decision (source
 * `admin`), holding what was pre-approved, until the person revokes it or the admin withdraws it.
 */
export async function recordAdminConsent(db: Db, userId: string, clientId: string, content: ConsentContent): Promise<Consent> {
  await recordConsent(db, {
    userId, clientId, content, expiresAt: null, source: 'admin',
    decided: { granted: contentValues(content), refused: [] },
  });
  return toConsent((await findConsentRow(db, userId, clientId))!);
}

/**
 * Ends the user's consent for the app, with every grant and token of it (the person's *Revoke access*, an admin).
 * Answers whether there was anything to end; audited as `consent.revoked` only then.
 */
export async function revokeConsent(db: Db, userId: string, clientId: string, end: ConsentEnd): Promise<boolean> {
  const row = await findConsentRow(db, userId, clientId);
  if (row) {
    await endConsent(db, row, end);
    return true;
  }
  // An app's grants with no consent record (a first-party app's, or one left from before consents were recorded).
  const revoked = await revokeGrantsOfUserForApp(db, userId, clientId);
  if (revoked) await audit(db, 'consent.revoked', { user_id: userId, client_id: clientId }, end.actor, { by: end.by, reason: end.reason });
  return revoked > 0;
}

/** Ends every consent of the user (an admin suspending or deleting the account). */
export async function endConsentsOfUser(db: Db, userId: string, end: ConsentEnd): Promise<void> {
  for (const row of await findConsentRowsOfUser(db, userId)) await endConsent(db, row, end);
}

/** What an app's allowlist still allows: user data scopes and `indicator scope` pairs (openid and offline_access always). */
export interface AllowedPermissions {
  userScopes: Set<string>;
  resourceScopes: Set<string>;
}

/**
 * The app's allowlist became narrower: each consent keeps only what is still allowed. A consent that lost something
 * has its grants and tokens ended (no token may keep what the admin took away), and the next sign-in derives a grant
 * from what remains, with no consent screen for it. Audited per user as `consent.narrowed`, with what was removed.
 */
export async function narrowConsent(db: Db, clientId: string, allowed: AllowedPermissions, actor: Actor = {}): Promise<number> {
  let narrowed = 0;
  for (const row of await findConsentRowsOfApp(db, clientId)) {
    const consent = toConsent(row);
    const keptScopes = consent.scopes.filter((s) => s === 'openid' || s === 'offline_access' || allowed.userScopes.has(s));
    // Claims asked for one by one (the claims parameter) may belong to a scope taken away: they go with any user
    // data scope, and the person is asked about them again.
    const keptClaims = keptScopes.length === consent.scopes.length ? consent.claims : [];
    const keptResources = Object.fromEntries(Object.entries(consent.resourceScopes)
      .map(([indicator, scopes]) => [indicator, scopes.filter((s) => allowed.resourceScopes.has(`${indicator} ${s}`))] as const)
      .filter(([, scopes]) => scopes.length));
    const removed = [
      ...consent.scopes.filter((s) => !keptScopes.includes(s)),
      ...Object.entries(consent.resourceScopes).flatMap(([indicator, scopes]) => scopes
        .filter((s) => !keptResources[indicator]?.includes(s)).map((s) => `${indicator} ${s}`)),
    ];
    if (!removed.length && keptClaims.length === consent.claims.length) continue;
    await updateConsentContent(db, row.id, { scopes: keptScopes, claims: keptClaims, resourceScopes: keptResources });
    await revokeGrantsOfUserForApp(db, row.user_id, row.client_id);
    await audit(db, 'consent.narrowed', row, actor, { by: 'admin', reason: 'allowlist_narrowed', removed });
    narrowed++;
  }
  return narrowed;
}

import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';

/** What Sesame reads of an oidc-provider Session's payload. */
export interface SessionPayload {
  uid: string;
  accountId?: string;
  /** When the person last proved who they are, in seconds. */
  loginTs?: number;
  /** Per app: the session's id at that app (`sid`) and the grant the session holds for it. */
  authorizations?: Record<string, { sid?: string; grantId?: string; persistsLogout?: boolean }>;
}

export interface StoredSession {
  uid: string;
  payload: SessionPayload;
  expiresAt: Date | null;
  userAgent: string | null;
  ip: string | null;
  signedInAt: Date | null;
  lastActiveAt: Date | null;
}

// Sessions are found by the lookup columns the adapter writes (model, account_id, uid), never by payload JSON.
const liveSessions = (db: Db) => db.selectFrom('oidc_models as s')
  .leftJoin('session_activity as a', 'a.session_uid', 's.uid')
  .where('s.model', '=', 'Session')
  .where('s.uid', 'is not', null)
  .where((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', sql<Date>`now()`)]))
  .select(['s.uid', 's.payload', 's.expires_at', 'a.user_agent', 'a.ip', 'a.signed_in_at', 'a.last_active_at']);

type Row = { uid: string | null; payload: unknown; expires_at: Date | null; user_agent: string | null; ip: string | null; signed_in_at: Date | null; last_active_at: Date | null };

function toStored(row: Row): StoredSession {
  return {
    uid: row.uid!,
    payload: row.payload as SessionPayload,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    ip: row.ip,
    signedInAt: row.signed_in_at,
    lastActiveAt: row.last_active_at,
  };
}

/** The account's live, signed-in sessions, most recently active first. */
export async function findSessionsOfAccount(db: Db, accountId: string): Promise<StoredSession[]> {
  const rows = await liveSessions(db).where('s.account_id', '=', accountId)
    .orderBy(sql`coalesce(a.last_active_at, a.signed_in_at) desc nulls last`).orderBy('s.uid')
    .execute();
  return rows.map(toStored);
}

export async function findSessionOfAccount(db: Db, accountId: string, uid: string): Promise<StoredSession | undefined> {
  if (!isStorableText(uid)) return undefined;
  const row = await liveSessions(db).where('s.account_id', '=', accountId).where('s.uid', '=', uid).executeTakeFirst();
  return row ? toStored(row) : undefined;
}

/** Deletes the session (whatever its current cookie id) and what was recorded about it. */
export async function deleteSession(db: Db, uid: string): Promise<void> {
  await db.deleteFrom('oidc_models').where('model', '=', 'Session').where('uid', '=', uid).execute();
  await db.deleteFrom('session_activity').where('session_uid', '=', uid).execute();
}

/** A sign-in: the session's device and address, from now on. The same session signing in again starts afresh. */
export async function recordSignIn(db: Db, session: { uid: string; accountId: string; userAgent: string | null; ip: string | null }): Promise<void> {
  const values = { account_id: session.accountId, user_agent: session.userAgent?.slice(0, 512) ?? null, ip: session.ip };
  await db.insertInto('session_activity').values({ session_uid: session.uid, ...values })
    .onConflict((oc) => oc.column('session_uid').doUpdateSet({ ...values, signed_in_at: sql`now()`, last_active_at: sql`now()` }))
    .execute();
}

/**
 * The session was used: its last activity moves to now, written at most once a minute per session so that a
 * busy session costs no write per request. The address is the latest one seen.
 */
export async function recordActivity(db: Db, session: { uid: string; accountId: string; ip: string | null }): Promise<void> {
  await db.insertInto('session_activity').values({ session_uid: session.uid, account_id: session.accountId, ip: session.ip })
    .onConflict((oc) => oc.column('session_uid')
      .doUpdateSet({ last_active_at: sql`now()`, ip: session.ip })
      .where('session_activity.last_active_at', '<', sql<Date>`now() - interval '1 minute'`))
    .execute();
}

/** Forgets what was recorded about sessions that ended on their own (expired, or signed out through the engine). */
export async function deleteActivityOfEndedSessions(db: Db, batch = 5000): Promise<number> {
  const result = await sql<{ n: number }>`
    WITH doomed AS (
      SELECT a.session_uid FROM session_activity a
      WHERE NOT EXISTS (
        SELECT 1 FROM oidc_models s
        WHERE s.model = 'Session' AND s.uid = a.session_uid AND (s.expires_at IS NULL OR s.expires_at > now()))
      LIMIT ${batch}
    )
    DELETE FROM session_activity a USING doomed d WHERE a.session_uid = d.session_uid
    RETURNING 1 AS n`.execute(db);
  return result.rows.length;
}

/**
 * Deletes every token and code of the account — refresh and access tokens, codes, pending sign-ins — but not its
 * grants: remembered consent is the person's decision and outlives a new password (src/sessions/session.service.ts).
 */
export async function deleteTokensOfAccount(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('oidc_models').where('account_id', '=', accountId).where('model', 'not in', ['Grant', 'Session']).execute();
}

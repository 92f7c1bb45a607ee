import { recordAuditEvent, type RequestOrigin } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { revokeGrant } from '../grants/grant.repository.ts';
import { enqueueLogoutNotifications } from '../logout/logout-notification.repository.ts';
import { describeDevice, type Device } from './device.ts';
import type { SessionEndReason } from './session-end-reasons.ts';
import {
  deleteSession, deleteTokensOfAccount, findSessionOfAccount, findSessionsOfAccount, type StoredSession,
} from './session.repository.ts';

/**
 * THE place where a person's Sesame sessions are listed and ended, whoever asks: the person on /account (one
 * session, "sign out everywhere", a new password), a password reset, an admin ending sessions, setting a password,
 * suspending or deleting the account. No other code ends sessions (oidc-provider's own sign-out aside).
 *
 * Ending a session
 * - queues an OpenID Connect Back-Channel Logout token for every app of that session that registered a
 *   `backchannel_logout_uri` (delivered and retried by src/logout/logout-delivery.ts);
 * - revokes the grants the session holds for first-party apps, with their refresh and access tokens, as
 *   oidc-provider's own sign-out does;
 * - deletes the session, so the browser holding its cookie is signed out.
 * What survives: remembered consent. A third-party app's Grant is the person's decision, not the browser's
 * (DESIGN.md §4, src/oidc/grants.ts marks it `persistsLogout`), so signing out leaves it and its refresh tokens
 * alone; with `revokeTokens` (a password set or reset) every token of the account ends too, and the decision stays.
 */

export interface EndSessionsOptions {
  reason: SessionEndReason;
  /** Who asked: the person themselves (on /account, or with a password reset link), or an admin. */
  by: 'user' | 'admin';
  /** Where the request came from, for the audit trail. */
  origin?: RequestOrigin;
  /** A session to leave running: the one the person is using ("sign out other sessions"). */
  except?: string;
  /** Also end every token of the account (refresh, access, codes), not just those of its sessions' grants. */
  revokeTokens?: boolean;
}

export interface AccountSession {
  uid: string;
  device: Device;
  ip: string | null;
  signedInAt: Date | null;
  lastActiveAt: Date | null;
  /** The session of the browser asking. */
  current: boolean;
}

/** The account's sessions as a person recognises them, this browser's first. */
export async function listAccountSessions(db: Db, accountId: string, currentUid?: string): Promise<AccountSession[]> {
  const sessions = await findSessionsOfAccount(db, accountId);
  const listed = sessions.map((s) => ({
    uid: s.uid,
    device: describeDevice(s.userAgent),
    ip: s.ip,
    // When the person last proved who they are in that browser (oidc-provider's loginTs).
    signedInAt: typeof s.payload.loginTs === 'number' ? new Date(s.payload.loginTs * 1000) : s.signedInAt,
    lastActiveAt: s.lastActiveAt,
    current: s.uid === currentUid,
  }));
  return [...listed.filter((s) => s.current), ...listed.filter((s) => !s.current)];
}

/** Runs `work` in the caller's transaction, or in one of its own. */
function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** Ends one session of the account; `session.not_found` when it is not one of theirs (or already ended). */
export async function endAccountSession(db: Db, accountId: string, uid: string, options: Omit<EndSessionsOptions, 'except'>): Promise<void> {
  await inTransaction(db, async (trx) => {
    const session = await findSessionOfAccount(trx, accountId, uid);
    assertThat(session, () => new ServiceError('session.not_found', 'no such session of this account; it may have ended already', 404));
    await endStoredSession(trx, accountId, session, options);
  });
}

/**
 * Ends every session of the account (but `except`), notifying their apps. The one call for "sign out everywhere",
 * a new password (set by an admin, changed on /account, or reset: with `revokeTokens`), and suspension and
 * deletion (whose callers then wipe the rest of the account's artifacts, consent included). Runs in the caller's
 * transaction when given one, so the change that demands it and the sign-out commit together. Returns how many
 * sessions ended.
 */
export async function endAccountSessions(db: Db, accountId: string, options: EndSessionsOptions): Promise<number> {
  return inTransaction(db, async (trx) => {
    const sessions = (await findSessionsOfAccount(trx, accountId)).filter((s) => s.uid !== options.except);
    for (const session of sessions) await endStoredSession(trx, accountId, session, options);
    if (options.revokeTokens) await deleteTokensOfAccount(trx, accountId);
    return sessions.length;
  });
}

/** Only a plain, well-formed id taken from a payload names anything. */
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 255 && isStorableText(value);

async function endStoredSession(db: Db, accountId: string, session: StoredSession, options: EndSessionsOptions): Promise<void> {
  const authorizations = Object.entries(session.payload.authorizations ?? {}).filter(([clientId]) => isId(clientId));
  const clientIds = authorizations.map(([clientId]) => clientId);
  const listening = clientIds.length
    ? await db.selectFrom('applications').select('id').where('id', 'in', clientIds).where('backchannel_logout_uri', 'is not', null).execute()
    : [];
  const sidOf = (clientId: string) => {
    const sid = session.payload.authorizations?.[clientId]?.sid;
    return isId(sid) ? sid : null;
  };
  await enqueueLogoutNotifications(db, listening.map((app) => ({ clientId: app.id, accountId, sid: sidOf(app.id), reason: options.reason })));
  for (const [, authorization] of authorizations) {
    if (isId(authorization?.grantId) && !authorization.persistsLogout) await revokeGrant(db, authorization.grantId);
  }
  await deleteSession(db, session.uid);
  await recordAuditEvent(db, {
    type: 'session.ended',
    userId: accountId,
    ip: options.origin?.ip,
    userAgent: options.origin?.userAgent,
    details: { reason: options.reason, by: options.by, session: session.uid, apps_notified: listening.map((app) => app.id) },
  });
}

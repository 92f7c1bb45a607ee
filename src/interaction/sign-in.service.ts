import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import type { User } from '../db/tables.ts';
import { accountKey } from '../throttle/account-key.ts';
import { resetOnSuccess, signInSubjects, type Throttle } from '../throttle/throttle.service.ts';
import { verifyPassword } from '../users/password.ts';
import { findUserByLogin } from '../users/user.repository.ts';

export interface SignInDeps {
  db: Db;
  throttle: Throttle;
}

export interface PasswordAttempt {
  login: string;
  password: string;
  /** The app the person is signing in to, for the audit trail. */
  clientId: string;
  origin: { ip: string; userAgent: string };
  /** The browser's device id for the account the login names, when its device cookie proves an earlier sign-in. */
  deviceOf(userId: string): string | undefined;
}

export type SignInOutcome =
  /** `user`: the account's row as read for the check, so the steps after it need not read it again. */
  | { outcome: 'signed_in'; userId: string; user: User }
  | { outcome: 'failed' }
  | { outcome: 'throttled'; retryAfter: number };

/**
 * A person signs in with a password: throttled by account, IP and device (src/throttle/), every failure in the
 * audit trail (the success is recorded when the whole sign-in ends, second factor included: src/interaction/second-factor.ts).
 * One answer for every failure: telling a suspended account apart would confirm its password.
 */
export async function signInWithPassword({ db, throttle }: SignInDeps, attempt: PasswordAttempt): Promise<SignInOutcome> {
  const { login, password, clientId, origin } = attempt;
  const user = await findUserByLogin(db, login);
  const device = user && attempt.deviceOf(user.id);
  const subjects = signInSubjects(login, origin.ip, device ? { id: device, userId: user.id } : undefined);
  // A block refuses the right password too, or it would only slow the attacker down.
  const wait = await throttle.retryAfter(subjects);
  if (wait) return { outcome: 'throttled', retryAfter: wait };
  const valid = await verifyPassword(user?.password_hash ?? null, password);
  if (!user || !valid || user.suspended) {
    await recordAuditEvent(db, {
      type: 'sign_in.failed', userId: user?.id, clientId, ...origin,
      details: { login, reason: !user ? 'unknown_user' : valid ? 'suspended' : 'wrong_password' },
    });
    const blocked = await throttle.recordFailure(subjects, { ...origin, accountKey: accountKey(login), userId: user?.id });
    return blocked ? { outcome: 'throttled', retryAfter: blocked } : { outcome: 'failed' };
  }
  await throttle.recordSuccess(resetOnSuccess(subjects));
  return { outcome: 'signed_in', userId: user.id, user };
}

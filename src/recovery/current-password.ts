import { accountKey } from '../throttle/account-key.ts';
import { resetOnSuccess, signInSubjects, type Throttle } from '../throttle/throttle.service.ts';
import type { User } from '../db/tables.ts';
import { verifyPassword } from '../users/password.ts';
import type { Origin } from './recovery-deps.ts';

export type PasswordCheck = { outcome: 'ok' } | { outcome: 'wrong' } | { outcome: 'throttled'; retryAfter: number };

/**
 * The current password, asked again before a signed-in person changes their password or email: a session left
 * open must not be enough. Guesses count against the account like sign-in failures (src/throttle/).
 */
export async function checkCurrentPassword(throttle: Throttle, user: User, password: string, origin: Origin): Promise<PasswordCheck> {
  const subjects = signInSubjects(user.username, origin.ip);
  const wait = await throttle.retryAfter(subjects);
  if (wait) return { outcome: 'throttled', retryAfter: wait };
  if (!await verifyPassword(user.password_hash, password)) {
    const blocked = await throttle.recordFailure(subjects, { ...origin, accountKey: accountKey(user.username), userId: user.id });
    return blocked ? { outcome: 'throttled', retryAfter: blocked } : { outcome: 'wrong' };
  }
  await throttle.recordSuccess(resetOnSuccess(subjects));
  return { outcome: 'ok' };
}

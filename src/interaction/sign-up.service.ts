import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { ServiceError } from '../errors.ts';
import { signUpSubjects, type Throttle } from '../throttle/throttle.service.ts';
import type { NewAccountForm } from '../users/new-account-form.ts';
import { createUser } from '../users/user.service.ts';

export interface SignUpDeps {
  db: Db;
  throttle: Throttle;
}

export interface SignUpAttempt {
  /** What the person typed, and whether it passed readNewAccountForm's rules (its words are the page's). */
  form: NewAccountForm;
  valid: boolean;
  /** The app the person is signing up through, for the audit trail. */
  clientId: string;
  origin: { ip: string; userAgent: string };
}

export type SignUpOutcome =
  | { outcome: 'created'; userId: string }
  | { outcome: 'invalid' }
  | { outcome: 'taken' }
  | { outcome: 'throttled'; retryAfter: number };

/** Self-registration: a new account, throttled per IP, recorded as `sign_up.succeeded`. */
export async function signUp({ db, throttle }: SignUpDeps, { form, valid, clientId, origin }: SignUpAttempt): Promise<SignUpOutcome> {
  const subjects = signUpSubjects(origin.ip);
  const wait = await throttle.retryAfter(subjects);
  if (wait) return { outcome: 'throttled', retryAfter: wait };
  if (!valid) return { outcome: 'invalid' };
  // Every complete form counts, taken names too: "taken" is an answer worth asking for many names.
  await throttle.recordFailure(subjects, origin);
  let user;
  try {
    user = await createUser(db, { username: form.username, email: form.email || undefined, password: form.password });
  } catch (failure) {
    // Which of the two is taken is not said: that would tell anyone whether an account exists.
    if (failure instanceof ServiceError && failure.code === 'user.exists') return { outcome: 'taken' };
    throw failure;
  }
  await recordAuditEvent(db, { type: 'sign_up.succeeded', userId: user.id, clientId, ...origin, details: { username: user.username } });
  return { outcome: 'created', userId: user.id };
}

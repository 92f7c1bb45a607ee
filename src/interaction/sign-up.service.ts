import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { ServiceError } from '../errors.ts';
import { sendVerificationEmail } from '../recovery/email-verification.service.ts';
import type { Letter, RecoveryDeps } from '../recovery/recovery-deps.ts';
import { signUpSubjects, type Throttle } from '../throttle/throttle.service.ts';
import type { NewAccountForm } from '../users/new-account-form.ts';
import { createUser } from '../users/user.service.ts';

export interface SignUpDeps {
  db: Db;
  throttle: Throttle;
  recovery: RecoveryDeps;
}

export interface SignUpAttempt {
  /** What the person typed, and whether it passed readNewAccountForm's rules (its words are the page's). */
  form: NewAccountForm;
  valid: boolean;
  /** The app the person is signing up through, for the audit trail. */
  clientId: string;
  origin: { ip: string; userAgent: string };
  /** The page's language and look, which the verification email to the new address is written in. */
  letter: Letter;
  /** The sign-in the account is created in, which the verification email leads back to. */
  interactionUid?: string;
}

export type SignUpOutcome =
  | { outcome: 'created'; userId: string }
  | { outcome: 'invalid' }
  | { outcome: 'taken' }
  | { outcome: 'throttled'; retryAfter: number };

/**
 * Self-registration: a new account, throttled per IP, recorded as `sign_up.succeeded`. An email address given is
 * unverified until the person uses the code or link sent to it (when Sesame can send email).
 */
export async function signUp({ db, throttle, recovery }: SignUpDeps, { form, valid, clientId, origin, letter, interactionUid }: SignUpAttempt): Promise<SignUpOutcome> {
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
  if (user.email) await sendVerificationEmail(recovery, { user, cause: 'sign_up', interactionUid, origin, ...letter });
  return { outcome: 'created', userId: user.id };
}

import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import type { EmailTokenPurpose, User } from '../db/tables.ts';
import { emailChangedEmail, verificationEmail } from '../email/compose.ts';
import { ServiceError } from '../errors.ts';
import { newId } from '../ids.ts';
import { accountKey } from '../throttle/account-key.ts';
import { recoverySubjects } from '../throttle/throttle.service.ts';
import { findUserById, updateUser } from '../users/user.repository.ts';
import { updateUserProfile } from '../users/user.service.ts';
import {
  consumeEmailToken, countWrongCode, findLatestVerification, findLiveEmailToken, insertEmailToken, voidEmailTokens,
  type EmailTokenRow,
} from './email-token.repository.ts';
import { linkTo, verifyEmailPath, type Letter, type Origin, type RecoveryDeps } from './recovery-deps.ts';
import { sameText } from '../secrets/same-text.ts';
import { hashToken, isLinkToken, maxCodeAttempts, newCode, newLinkToken, normalizeCode } from './tokens.ts';

/** Who asked for a verification email: the person at sign-up, on a page later, or an admin. */
export type VerificationCause = 'sign_up' | 'user' | 'email_change' | 'admin';

export interface VerificationRequest extends Letter {
  user: User;
  /** The address to prove: the account's own, or the one it is changing to. */
  email?: string;
  cause: VerificationCause;
  interactionUid?: string;
  origin?: Origin;
  /** Counted against the recovery limits (what a person can repeat); sign-up and admins are limited elsewhere. */
  throttled?: boolean;
}

export type VerificationSendOutcome =
  | { outcome: 'sent'; email: string }
  | { outcome: 'unavailable' }
  | { outcome: 'no_email' }
  | { outcome: 'throttled'; retryAfter: number };

/** Sends a link and a six-digit code that prove the person reads `email`; both work once, for the verification TTL. */
export async function sendVerificationEmail(deps: RecoveryDeps, request: VerificationRequest): Promise<VerificationSendOutcome> {
  const { user, cause, origin } = request;
  const email = request.email ?? user.email;
  if (!deps.mailer.available) return { outcome: 'unavailable' };
  if (!email) return { outcome: 'no_email' };
  if (request.throttled && origin) {
    const subjects = recoverySubjects(user.username, origin.ip);
    const wait = await deps.throttle.retryAfter(subjects);
    if (wait) return { outcome: 'throttled', retryAfter: wait };
    await deps.throttle.recordFailure(subjects, { ...origin, accountKey: accountKey(user.username), userId: user.id });
  }
  const { token, hash } = newLinkToken();
  const code = newCode();
  await insertEmailToken(deps.db, {
    id: newId('tok_'), purpose: email === user.email ? 'email_verification' : 'email_change', userId: user.id, email, tokenHash: hash,
    sealedCode: await deps.sealer.seal(code), interactionUid: request.interactionUid ?? null, ttlSeconds: deps.ttl.emailVerification,
  });
  const letter = verificationEmail({ locale: request.locale, brand: request.brand, username: user.username }, {
    email, code, link: linkTo(deps.issuer, verifyEmailPath, token), hours: Math.max(1, Math.round(deps.ttl.emailVerification / 3600)),
  });
  await deps.mailer.send({ ...letter, kind: 'email_verification', to: email, locale: request.locale, userId: user.id, productName: request.brand.productName });
  await recordAuditEvent(deps.db, { type: 'email_verification.sent', userId: user.id, ...origin, details: { email, cause } });
  return { outcome: 'sent', email };
}

/** A verification email's link proves the account's address, or the one the person asked to change to. */
const linkPurposes: EmailTokenPurpose[] = ['email_verification', 'email_change'];

/** A verification is for the account's address as it was: once the address changed, it proves nothing. */
const stillApplies = (token: EmailTokenRow, user: User) => token.purpose === 'email_change' || token.email === user.email;

/** What a verification link would prove, while it works (the page asks the person to confirm). */
export async function findVerificationLink(db: Db, token: unknown): Promise<{ username: string; email: string; change: boolean } | undefined> {
  if (!isLinkToken(token)) return undefined;
  const found = await findLiveEmailToken(db, hashToken(token), linkPurposes);
  const user = found && await findUserById(db, found.user_id);
  if (!user || !found || !stillApplies(found, user)) return undefined;
  return { username: user.username, email: found.email, change: found.purpose === 'email_change' };
}

export type VerifyOutcome =
  | { outcome: 'verified'; userId: string; email: string; changed: boolean; interactionUid: string | null }
  | { outcome: 'invalid' }
  | { outcome: 'taken' };

/** A verification link opened and confirmed: the address it was sent to is proved (and becomes the account's). */
export async function verifyEmailLink(deps: RecoveryDeps, input: Letter & { token: unknown; origin: Origin }): Promise<VerifyOutcome> {
  if (!isLinkToken(input.token)) return { outcome: 'invalid' };
  const used = await consumeEmailToken(deps.db, { tokenHash: hashToken(input.token) }, linkPurposes);
  if (!used) return { outcome: 'invalid' };
  return applyVerification(deps, used, input, input.origin);
}

export type CodeOutcome =
  | { outcome: 'verified'; email: string }
  | { outcome: 'wrong' }
  | { outcome: 'expired' };

/**
 * A code typed on the page that asked for it (sign-in with verified email required): it proves the account's
 * current address. Each email allows `maxCodeAttempts` wrong codes; then its code stops working.
 */
export async function verifyEmailCode(deps: RecoveryDeps, input: Letter & { userId: string; code: unknown; origin: Origin }): Promise<CodeOutcome> {
  const user = await findUserById(deps.db, input.userId);
  if (!user?.email) return { outcome: 'expired' };
  const latest = await findLatestVerification(deps.db, user.id, user.email);
  if (!latest?.sealed_code || latest.code_attempts >= maxCodeAttempts) return { outcome: 'expired' };
  const code = normalizeCode(input.code);
  if (!code || !sameText(code, await deps.sealer.open(latest.sealed_code))) {
    const attempts = await countWrongCode(deps.db, latest.id);
    return attempts >= maxCodeAttempts ? { outcome: 'expired' } : { outcome: 'wrong' };
  }
  const used = await consumeEmailToken(deps.db, { id: latest.id }, ['email_verification']);
  if (!used) return { outcome: 'expired' };
  const result = await applyVerification(deps, used, input, input.origin);
  return result.outcome === 'verified' ? { outcome: 'verified', email: result.email } : { outcome: 'expired' };
}

/**
 * The address of a used verification is proved: the account's own becomes verified; another one (a change the
 * person asked for) replaces it, verified, if no other account took it meanwhile, and the old address is told.
 */
async function applyVerification(deps: RecoveryDeps, used: EmailTokenRow, letter: Letter, origin: Origin): Promise<VerifyOutcome> {
  const user = await findUserById(deps.db, used.user_id);
  if (!user || user.suspended || !stillApplies(used, user)) return { outcome: 'invalid' };
  const interactionUid = used.interaction_uid;
  if (used.email === user.email) {
    if (!user.email_verified) await updateUser(deps.db, user.id, { email_verified: true });
    await voidEmailTokens(deps.db, user.id, ['email_verification']);
    await recordAuditEvent(deps.db, { type: 'email.verified', userId: user.id, ...origin, details: { email: used.email } });
    return { outcome: 'verified', userId: user.id, email: used.email, changed: false, interactionUid };
  }
  try {
    await updateUserProfile(deps.db, user.id, { email: used.email, email_verified: true });
  } catch (error) {
    if (error instanceof ServiceError && error.code === 'user.exists') return { outcome: 'taken' };
    throw error;
  }
  await voidEmailTokens(deps.db, user.id, ['email_verification', 'email_change']);
  await recordAuditEvent(deps.db, { type: 'email.changed', userId: user.id, ...origin, details: { from: user.email, to: used.email } });
  if (user.email) {
    const notice = emailChangedEmail({ ...letter, username: user.username }, { from: user.email, to: used.email });
    await deps.mailer.send({ ...notice, kind: 'email_changed', to: user.email, locale: letter.locale, userId: user.id, productName: letter.brand.productName });
  }
  return { outcome: 'verified', userId: user.id, email: used.email, changed: true, interactionUid };
}

/** Whether the account may not sign in yet: verified email is required and its address is not verified. */
export function needsVerifiedEmail(user: Pick<User, 'email' | 'email_verified'>, required: boolean): boolean {
  return required && !(user.email && user.email_verified);
}

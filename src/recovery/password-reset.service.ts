import { recordAuditEvent } from '../audit/audit.repository.ts';
import { passwordResetEmail } from '../email/compose.ts';
import { newId } from '../ids.ts';
import { accountKey } from '../throttle/account-key.ts';
import { recoverySubjects } from '../throttle/throttle.service.ts';
import { hashPassword } from '../users/password.ts';
import { findUserById, findUserByLogin, updateUser } from '../users/user.repository.ts';
import { passwordSchema } from '../users/user.service.ts';
import { endAccountSessions } from '../sessions/session.service.ts';
import { consumeEmailToken, findLiveEmailToken, insertEmailToken, voidEmailTokens } from './email-token.repository.ts';
import { linkTo, resetPasswordPath, type Letter, type Origin, type RecoveryDeps } from './recovery-deps.ts';
import { hashToken, isLinkToken, newLinkToken } from './tokens.ts';

export interface ResetRequest extends Letter {
  /** What the person typed: a username or an email. */
  login: string;
  /** The sign-in they asked from, to go back to once the password is changed. */
  interactionUid?: string;
  origin: Origin;
}

export type ResetRequestOutcome =
  | { outcome: 'accepted' }
  | { outcome: 'unavailable' }
  | { outcome: 'throttled'; retryAfter: number };

/**
 * *Forgot password?*: the answer is the same whether or not an account matches, and comes before Sesame looks:
 * the account is looked up, and its link written and queued, after the response (src/tasks/background-tasks.ts),
 * so neither the words nor the time of the answer tell anything. Requests are capped per account key (what was
 * typed, existing or not) and per IP, so nobody floods a person's inbox.
 */
export async function requestPasswordReset(deps: RecoveryDeps, request: ResetRequest): Promise<ResetRequestOutcome> {
  if (!deps.mailer.available) return { outcome: 'unavailable' };
  const subjects = recoverySubjects(request.login, request.origin.ip);
  const wait = await deps.throttle.retryAfter(subjects);
  if (wait) return { outcome: 'throttled', retryAfter: wait };
  await deps.throttle.recordFailure(subjects, { ...request.origin, accountKey: accountKey(request.login) });
  deps.background.run('password reset email', () => sendPasswordReset(deps, request));
  return { outcome: 'accepted' };
}

/** The link, to the account's email address; nothing for an unknown or suspended account, or one without email. */
async function sendPasswordReset(deps: RecoveryDeps, request: ResetRequest): Promise<void> {
  const user = await findUserByLogin(deps.db, request.login);
  if (!user || user.suspended || !user.email) return;
  const { token, hash } = newLinkToken();
  await insertEmailToken(deps.db, {
    id: newId('tok_'), purpose: 'password_reset', userId: user.id, email: user.email, tokenHash: hash, sealedCode: null,
    interactionUid: request.interactionUid ?? null, ttlSeconds: deps.ttl.passwordReset,
  });
  const letter = passwordResetEmail({ locale: request.locale, brand: request.brand, username: user.username }, {
    link: linkTo(deps.issuer, resetPasswordPath, token),
    minutes: Math.max(1, Math.round(deps.ttl.passwordReset / 60)),
  });
  await deps.mailer.send({ ...letter, kind: 'password_reset', to: user.email, locale: request.locale, userId: user.id, productName: request.brand.productName });
  await recordAuditEvent(deps.db, { type: 'password_reset.requested', userId: user.id, ...request.origin });
}

/** The account a reset link is for, while the link works (the page shows whose password is changed). */
export async function findResetLink(deps: Pick<RecoveryDeps, 'db'>, token: unknown): Promise<{ username: string } | undefined> {
  if (!isLinkToken(token)) return undefined;
  const found = await findLiveEmailToken(deps.db, hashToken(token), ['password_reset']);
  const user = found && await findUserById(deps.db, found.user_id);
  return user && !user.suspended ? { username: user.username } : undefined;
}

export type ResetOutcome =
  | { outcome: 'reset'; userId: string; username: string; interactionUid: string | null }
  | { outcome: 'invalid_link' }
  | { outcome: 'weak_password' };

/**
 * A new password from a reset link (the rules are sign-up's). The link works once: of two requests with it,
 * one wins. Every session and token of the account ends and the apps of those sessions are told (back-channel
 * logout; remembered consent stays), the other reset links stop working, the account's throttling blocks are lifted
 * (the person proved they hold its email), and the address counts as verified.
 */
export async function resetPassword(deps: RecoveryDeps, input: { token: unknown; password: string; origin: Origin }): Promise<ResetOutcome> {
  if (!isLinkToken(input.token) || !await findLiveEmailToken(deps.db, hashToken(input.token), ['password_reset'])) return { outcome: 'invalid_link' };
  if (!passwordSchema.safeParse(input.password).success) return { outcome: 'weak_password' };
  const passwordHash = await hashPassword(input.password);
  const tokenHash = hashToken(input.token);
  const done = await deps.db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, { tokenHash }, ['password_reset']);
    const user = used && await findUserById(trx, used.user_id);
    if (!used || !user || user.suspended) return undefined;
    await updateUser(trx, user.id, { password_hash: passwordHash, ...(user.email === used.email ? { email_verified: true } : {}) });
    await voidEmailTokens(trx, user.id, ['password_reset']);
    await endAccountSessions(trx, user.id, { reason: 'password_reset', by: 'user', origin: input.origin, revokeTokens: true });
    return { user, interactionUid: used.interaction_uid };
  });
  if (!done) return { outcome: 'invalid_link' };
  const { user, interactionUid } = done;
  await deps.throttle.unlockUser(user, { ...input.origin, by: 'password_reset' });
  await recordAuditEvent(deps.db, { type: 'password_reset.completed', userId: user.id, ...input.origin, details: { sessions_ended: true } });
  return { outcome: 'reset', userId: user.id, username: user.username, interactionUid };
}

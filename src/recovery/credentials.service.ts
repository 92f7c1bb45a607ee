import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { User } from '../db/tables.ts';
import { passwordChangedEmail } from '../email/compose.ts';
import { canonicalEmail, identifierKey } from '../users/identifier.ts';
import { hashPassword } from '../users/password.ts';
import { findUserByLogin, updateUser } from '../users/user.repository.ts';
import { newUserSchema, passwordSchema } from '../users/user.service.ts';
import { endAccountSessions } from '../sessions/session.service.ts';
import { checkCurrentPassword } from './current-password.ts';
import { voidEmailTokens } from './email-token.repository.ts';
import { sendVerificationEmail } from './email-verification.service.ts';
import type { Letter, Origin, RecoveryDeps } from './recovery-deps.ts';

/** A signed-in person changes their own password or email address (the account page). */

export type PasswordChangeOutcome =
  | { outcome: 'changed' }
  | { outcome: 'wrong_password' }
  | { outcome: 'weak_password' }
  | { outcome: 'throttled'; retryAfter: number };

/**
 * A new password, given the current one (the rules are sign-up's). Every session and token of the account ends,
 * this browser's too, and the apps of those sessions are told (back-channel logout); remembered consent stays.
 * Pending reset links stop working, and the account's address is told when email works.
 */
export async function changePassword(
  deps: RecoveryDeps,
  input: Letter & { user: User; currentPassword: string; newPassword: string; origin: Origin },
): Promise<PasswordChangeOutcome> {
  const { user, origin } = input;
  const check = await checkCurrentPassword(deps.throttle, user, input.currentPassword, origin);
  if (check.outcome === 'throttled') return check;
  if (check.outcome === 'wrong') return { outcome: 'wrong_password' };
  if (!passwordSchema.safeParse(input.newPassword).success) return { outcome: 'weak_password' };
  const passwordHash = await hashPassword(input.newPassword);
  await deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { password_hash: passwordHash });
    await voidEmailTokens(trx, user.id, ['password_reset']);
    await endAccountSessions(trx, user.id, { reason: 'password_changed', by: 'user', origin, revokeTokens: true });
  });
  await recordAuditEvent(deps.db, { type: 'password.changed', userId: user.id, ...origin, details: { by: 'user', sessions_ended: true } });
  if (user.email) {
    const notice = passwordChangedEmail({ locale: input.locale, brand: input.brand, username: user.username });
    await deps.mailer.send({ ...notice, kind: 'password_changed', to: user.email, locale: input.locale, userId: user.id, productName: input.brand.productName });
  }
  return { outcome: 'changed' };
}

export type EmailChangeOutcome =
  | { outcome: 'sent'; email: string }
  | { outcome: 'unavailable' }
  | { outcome: 'wrong_password' }
  | { outcome: 'invalid_email' }
  | { outcome: 'taken' }
  | { outcome: 'throttled'; retryAfter: number };

/**
 * A new address, given the current password: a verification goes to it, and the account keeps its old address
 * until the person opens the link (src/recovery/email-verification.service.ts), so a typo locks nobody out.
 * Typing the account's own address again sends it a verification instead.
 */
export async function requestEmailChange(
  deps: RecoveryDeps,
  input: Letter & { user: User; newEmail: string; currentPassword: string; origin: Origin },
): Promise<EmailChangeOutcome> {
  const { user, origin } = input;
  if (!deps.mailer.available) return { outcome: 'unavailable' };
  const email = input.newEmail.trim().normalize('NFC');
  if (!newUserSchema.shape.email.safeParse(email).success || canonicalEmail(email).refused) return { outcome: 'invalid_email' };
  const check = await checkCurrentPassword(deps.throttle, user, input.currentPassword, origin);
  if (check.outcome === 'throttled') return check;
  if (check.outcome === 'wrong') return { outcome: 'wrong_password' };
  const own = user.email !== null && identifierKey(user.email) === identifierKey(email);
  const holder = own ? undefined : await findUserByLogin(deps.db, email);
  if (holder && holder.id !== user.id) return { outcome: 'taken' };
  const sent = await sendVerificationEmail(deps, {
    user, email: own ? user.email! : email, cause: own ? 'user' : 'email_change', locale: input.locale, brand: input.brand, origin, throttled: true,
  });
  if (sent.outcome !== 'sent') return sent.outcome === 'no_email' ? { outcome: 'invalid_email' } : sent;
  if (!own) await recordAuditEvent(deps.db, { type: 'email.change_requested', userId: user.id, ...origin, details: { from: user.email, to: email } });
  return sent;
}

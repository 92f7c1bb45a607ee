import { emailLocale } from '../email/email-i18n.ts';
import { howToEnableEmail } from '../email/delivery.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { getSignInExperience } from '../sign-in-experience/sign-in-experience.service.ts';
import { getUser } from '../users/user.service.ts';
import { sendVerificationEmail } from './email-verification.service.ts';
import type { Origin, RecoveryDeps } from './recovery-deps.ts';

/**
 * An admin sends a user a (new) verification email, through the API, the CLI or the console: in the user's own
 * language (their `locale` claim) when Sesame writes it, else the sign-in experience's default language.
 */
export async function sendVerificationForAdmin(deps: RecoveryDeps, userId: string, origin?: Origin): Promise<{ email: string }> {
  const user = await getUser(deps.db, userId);
  assertThat(deps.mailer.available, () => new ServiceError('email.delivery_unavailable', `email is off: ${howToEnableEmail}`, 409));
  assertThat(user.email, () => new ServiceError('user.no_email', 'the user has no email address to verify', 409));
  const experience = await getSignInExperience(deps.db);
  const sent = await sendVerificationEmail(deps, {
    user, cause: 'admin', origin, locale: emailLocale(user.locale, experience.defaultLanguage), brand: experience,
  });
  assertThat(sent.outcome === 'sent', () => new ServiceError('email.delivery_unavailable', `email is off: ${howToEnableEmail}`, 409));
  return { email: sent.email };
}

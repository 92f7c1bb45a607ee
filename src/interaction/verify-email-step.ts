import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import type { User } from '../db/tables.ts';
import { requestOrigin } from '../http/request-origin.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { verifyEmailStepPage } from '../pages/verify-email.page.ts';
import { findLatestVerification } from '../recovery/email-token.repository.ts';
import { needsVerifiedEmail, sendVerificationEmail } from '../recovery/email-verification.service.ts';
import { findUserById } from '../users/user.repository.ts';
import { finish, interactionPage, type Details, type InteractionDeps } from './interaction-flow.ts';

/**
 * With a verified email required (the sign-in experience), an account whose address is not verified stops after
 * its password: the page asks for the code emailed to it (sent then, unless one still works) before the sign-in
 * finishes. The forms carry a proof, bound to the interaction and the account, that the password was right.
 */

const proofSubject = (uid: string, userId: string) => `${uid}/verify-email/${userId}`;

export interface StepState {
  notice?: string;
  error?: string;
  status?: number;
}

export function renderVerifyEmailStep(ctx: Context, deps: InteractionDeps, details: Details, user: User, state: StepState = {}): void {
  const { t, locale, brand } = interactionPage(ctx, details);
  sendPage(ctx, verifyEmailStepPage({
    t, locale, brand, email: user.email ?? '',
    action: `/interaction/${details.uid}/verify-email`,
    resendAction: `/interaction/${details.uid}/verify-email/resend`,
    hidden: { csrf: deps.csrf.issue(details.uid), account: user.id, proof: deps.csrf.issue(proofSubject(details.uid, user.id)) },
    notice: state.notice,
    error: state.error,
  }), state.status ?? 200);
}

/** The account whose password this form's proof vouches for, in this interaction. */
export async function provenAccount(deps: InteractionDeps, details: Details, body: Record<string, unknown>): Promise<User | undefined> {
  if (typeof body.account !== 'string' || !deps.csrf.verify(proofSubject(details.uid, body.account), body.proof)) return undefined;
  const user = await findUserById(deps.db, body.account);
  return user && !user.suspended ? user : undefined;
}

/** The login result of a person who passed their password (and, when required, proved their email). */
export const passwordLogin = (userId: string): InteractionResults => ({ login: { accountId: userId, amr: ['pwd'] } });

/**
 * After the right password (or a new account): finishes the sign-in, or stops at the verification step when the
 * sign-in experience requires a verified email the account lacks.
 */
export async function continueAfterPassword(ctx: Context, deps: InteractionDeps, details: Details, userId: string): Promise<void> {
  const page = interactionPage(ctx, details);
  const user = await findUserById(deps.db, userId);
  if (!user || !needsVerifiedEmail(user, page.brand.requireVerifiedEmail)) return finish(ctx, deps, passwordLogin(userId));
  if (!user.email) return sendErrorPage(ctx, page, page.t('verify.noEmail'), 403);
  if (!deps.recovery.mailer.available) return sendErrorPage(ctx, page, page.t('verify.unavailable'), 403);
  // A code that still works (sent at sign-up, or a minute ago) is not sent again: the person may already have it.
  if (await findLatestVerification(deps.db, user.id, user.email)) return renderVerifyEmailStep(ctx, deps, details, user);
  const sent = await sendVerificationEmail(deps.recovery, {
    user, cause: 'user', locale: page.locale, brand: page.brand, interactionUid: details.uid,
    origin: requestOrigin(ctx), throttled: true,
  });
  if (sent.outcome === 'throttled') {
    setRetryAfter(ctx, sent.retryAfter);
    return renderVerifyEmailStep(ctx, deps, details, user, { error: tooManyAttempts(page.t, sent.retryAfter) });
  }
  renderVerifyEmailStep(ctx, deps, details, user);
}

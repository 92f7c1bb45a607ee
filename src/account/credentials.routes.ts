import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import type { Provider } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import type { User } from '../db/tables.ts';
import { requestOrigin } from '../http/request-origin.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import { html } from '../pages/html.ts';
import { messagePage } from '../pages/message.page.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { changePassword, requestEmailChange } from '../recovery/credentials.service.ts';
import { sendVerificationEmail } from '../recovery/email-verification.service.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import type { SignedValues } from '../secrets/signed-cookie.ts';
import { findUserById } from '../users/user.repository.ts';
import { accountCsrfSubject, accountPageContext, readAccountSession, sessionCookie, setAccountCookie, type LiveAccountSession } from './account-session.ts';
import { renderAccountPage, type AccountViewState } from './account-view.ts';
import { accountFactorDepsOf } from './account-factors.routes.ts';
import type { MfaSecrets } from '../mfa/mfa-secrets.ts';
import type { RelyingParty } from '../passkeys/relying-party.ts';
import type { Throttle } from '../throttle/throttle.service.ts';

export interface CredentialsRouteDeps {
  db: Db;
  csrf: CsrfTokens;
  cookies: SignedValues;
  recovery: RecoveryDeps;
  /** Second factors and passkeys, for the page's *Two-step verification* section. */
  mfaSecrets: MfaSecrets;
  relyingParty: RelyingParty;
  throttle: Throttle;
  recentSignInSeconds: number;
  /** How soon revoking an app bites (src/grants/revocation-bound.ts). */
  accessTokenDefaults: AccessTokenDefaults;
  /** The node's provider: the account page is signed in only while this browser's Sesame session is. */
  provider: () => Provider;
}

const text = (body: Record<string, unknown>, name: string, max: number) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, max) : '');

/** The account page's *Password and email* forms: change the password, change or verify the email address. */
export function credentialsRoutes(deps: CredentialsRouteDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });
  const view = { db: deps.db, accessTokenDefaults: deps.accessTokenDefaults, csrf: deps.csrf, canEmail: deps.recovery.mailer.available, factors: accountFactorDepsOf(deps) };

  /** The signed-in person submitting one of the page's forms, with its CSRF token checked. */
  async function submitter(ctx: Context): Promise<{ current: LiveAccountSession; user: User; body: Record<string, unknown> } | undefined> {
    const current = await readAccountSession(deps.provider(), deps.cookies, ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const user = current && deps.csrf.verify(accountCsrfSubject(current), body.csrf) ? await findUserById(deps.db, current.sub) : undefined;
    if (!current || !user || user.suspended) {
      sendErrorPage(ctx, accountPageContext(ctx), accountPageContext(ctx).t('error.forbidden'), 403);
      return undefined;
    }
    return { current, user, body };
  }

  const again = (ctx: Context, current: LiveAccountSession, user: User, state: AccountViewState, status: number) =>
    renderAccountPage(ctx, view, current, user, state, status);

  router.post('/password', form, async function submitPasswordChange(ctx) {
    const submitted = await submitter(ctx);
    if (!submitted) return;
    const { current, user, body } = submitted;
    const { t, locale, brand } = accountPageContext(ctx);
    const result = await changePassword(deps.recovery, {
      user, currentPassword: text(body, 'current_password', 1024), newPassword: text(body, 'new_password', 1024),
      locale, brand, origin: requestOrigin(ctx),
    });
    if (result.outcome === 'throttled') {
      setRetryAfter(ctx, result.retryAfter);
      return again(ctx, current, user, { passwordError: tooManyAttempts(t, result.retryAfter) }, 429);
    }
    if (result.outcome === 'wrong_password') return again(ctx, current, user, { passwordError: t('account.wrongPassword') }, 400);
    if (result.outcome === 'weak_password') return again(ctx, current, user, { passwordError: t('signUp.weakPassword') }, 400);
    // Every session of the account ended, this page's too.
    setAccountCookie(ctx, sessionCookie, null);
    sendPage(ctx, messagePage({
      t, locale, brand, title: t('account.passwordChanged.title'), text: t('account.passwordChanged.text'),
      extra: html`<p><a href="/account/login">${t('account.signIn')}</a></p>`,
    }));
  });

  router.post('/email', form, async function submitEmailChange(ctx) {
    const submitted = await submitter(ctx);
    if (!submitted) return;
    const { current, user, body } = submitted;
    const { t, locale, brand } = accountPageContext(ctx);
    const newEmail = text(body, 'email', 320);
    const result = await requestEmailChange(deps.recovery, {
      user, newEmail, currentPassword: text(body, 'current_password', 1024), locale, brand, origin: requestOrigin(ctx),
    });
    const failed = (emailError: string, status: number) => again(ctx, current, user, { emailError, newEmail }, status);
    switch (result.outcome) {
      case 'sent':
        ctx.status = 303;
        return ctx.redirect(result.email === user.email ? '/account?notice=verification-sent' : '/account');
      case 'throttled':
        setRetryAfter(ctx, result.retryAfter);
        return failed(tooManyAttempts(t, result.retryAfter), 429);
      case 'wrong_password': return failed(t('account.wrongPassword'), 400);
      case 'invalid_email': return failed(t('signUp.invalidEmail'), 400);
      case 'taken': return failed(t('account.emailTaken'), 409);
      case 'unavailable': return failed(t('account.emailUnavailable'), 409);
    }
  });

  router.post('/email/verification', form, async function resendVerification(ctx) {
    const submitted = await submitter(ctx);
    if (!submitted) return;
    const { current, user } = submitted;
    const { t, locale, brand } = accountPageContext(ctx);
    const result = await sendVerificationEmail(deps.recovery, { user, cause: 'user', locale, brand, origin: requestOrigin(ctx), throttled: true });
    if (result.outcome === 'sent') {
      ctx.status = 303;
      return ctx.redirect('/account?notice=verification-sent');
    }
    if (result.outcome === 'throttled') {
      setRetryAfter(ctx, result.retryAfter);
      return again(ctx, current, user, { notice: tooManyAttempts(t, result.retryAfter) }, 429);
    }
    return again(ctx, current, user, { notice: t('account.emailUnavailable') }, 409);
  });

  return router;
}

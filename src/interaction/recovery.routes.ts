import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { requestOrigin } from '../http/request-origin.ts';
import { forgotPasswordPage } from '../pages/forgot-password.page.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { sendVerificationEmail, verifyEmailCode } from '../recovery/email-verification.service.ts';
import { requestPasswordReset } from '../recovery/password-reset.service.ts';
import { finish, interactionPage, loadInteraction, submittedForm, type Details, type InteractionDeps } from './interaction-flow.ts';
import { passwordLogin, provenAccount, renderVerifyEmailStep } from './verify-email-step.ts';

/** The person's question is the same whether or not the account exists; so is Sesame's answer. */
function renderForgotPassword(ctx: Context, deps: InteractionDeps, details: Details, form: { login?: string; error?: string } = {}, status = 200) {
  const { t, locale, brand } = interactionPage(ctx, details);
  const signInUrl = `/interaction/${details.uid}`;
  if (!deps.recovery.mailer.available) return sendPage(ctx, forgotPasswordPage({ t, locale, brand, signInUrl, text: t('forgot.unavailable') }), status);
  sendPage(ctx, forgotPasswordPage({
    t, locale, brand, signInUrl,
    form: { action: `/interaction/${details.uid}/forgot-password`, csrf: deps.csrf.issue(details.uid), ...form },
  }), status);
}

/**
 * Steps of a sign-in that go through email: *Forgot password?* (the link itself opens /account/reset-password,
 * src/account/email-link.routes.ts), and the code that verifies an address before the sign-in may finish.
 */
export function recoveryInteractionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.get('/:uid/forgot-password', async function showForgotPassword(ctx) {
    const details = await loadInteraction(ctx, deps);
    const page = interactionPage(ctx, details);
    if (!details || (details.prompt.name !== 'login' && details.prompt.name !== 'consent')) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    renderForgotPassword(ctx, deps, details);
  });

  router.post('/:uid/forgot-password', form, async function submitForgotPassword(ctx) {
    const submitted = await submittedForm(ctx, deps, ['login', 'consent']);
    if (!submitted) return;
    const { details, body, page: { t, locale, brand } } = submitted;
    const login = typeof body.login === 'string' ? body.login.trim().slice(0, 320) : '';
    if (!login) return renderForgotPassword(ctx, deps, details, { error: t('forgot.missing') }, 400);
    const result = await requestPasswordReset(deps.recovery, { login, locale, brand, interactionUid: details.uid, origin: requestOrigin(ctx) });
    if (result.outcome === 'throttled') {
      setRetryAfter(ctx, result.retryAfter);
      return renderForgotPassword(ctx, deps, details, { login, error: tooManyAttempts(t, result.retryAfter) }, 429);
    }
    if (result.outcome === 'unavailable') return renderForgotPassword(ctx, deps, details);
    sendPage(ctx, forgotPasswordPage({
      t, locale, brand, signInUrl: `/interaction/${details.uid}`, title: t('forgot.sent.title'),
      text: t('forgot.sent.text', { minutes: String(Math.max(1, Math.round(deps.recovery.ttl.passwordReset / 60))) }),
    }));
  });

  router.post('/:uid/verify-email', form, async function submitVerificationCode(ctx) {
    const submitted = await submittedForm(ctx, deps, ['login', 'consent']);
    if (!submitted) return;
    const { details, body, page } = submitted;
    const user = await provenAccount(deps, details, body);
    if (!user) return sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
    const result = await verifyEmailCode(deps.recovery, { userId: user.id, code: body.code, locale: page.locale, brand: page.brand, origin: requestOrigin(ctx) });
    if (result.outcome === 'verified') return finish(ctx, deps, passwordLogin(user.id));
    const error = page.t(result.outcome === 'wrong' ? 'verify.wrongCode' : 'verify.expired');
    renderVerifyEmailStep(ctx, deps, details, user, { error, status: 400 });
  });

  router.post('/:uid/verify-email/resend', form, async function resendVerificationCode(ctx) {
    const submitted = await submittedForm(ctx, deps, ['login', 'consent']);
    if (!submitted) return;
    const { details, body, page } = submitted;
    const user = await provenAccount(deps, details, body);
    if (!user?.email) return sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
    const sent = await sendVerificationEmail(deps.recovery, {
      user, cause: 'user', locale: page.locale, brand: page.brand, interactionUid: details.uid, origin: requestOrigin(ctx), throttled: true,
    });
    if (sent.outcome === 'throttled') {
      setRetryAfter(ctx, sent.retryAfter);
      return renderVerifyEmailStep(ctx, deps, details, user, { error: tooManyAttempts(page.t, sent.retryAfter), status: 429 });
    }
    if (sent.outcome !== 'sent') return sendErrorPage(ctx, page, page.t('verify.unavailable'), 403);
    renderVerifyEmailStep(ctx, deps, details, user, { notice: page.t('verify.resent', { email: sent.email }) });
  });

  return router;
}

import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import { requestOrigin } from '../http/request-origin.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import { html } from '../pages/html.ts';
import { messagePage } from '../pages/message.page.ts';
import { resetPasswordPage } from '../pages/reset-password.page.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { verifyEmailLinkPage } from '../pages/verify-email.page.ts';
import { findVerificationLink, verifyEmailLink } from '../recovery/email-verification.service.ts';
import { findResetLink, resetPassword } from '../recovery/password-reset.service.ts';
import { resetPasswordPath, verifyEmailPath, type RecoveryDeps } from '../recovery/recovery-deps.ts';
import { hashToken, isLinkToken } from '../recovery/tokens.ts';
import { accountPageContext } from './account-session.ts';

export interface EmailLinkRouteDeps {
  db: Db;
  csrf: CsrfTokens;
  recovery: RecoveryDeps;
  provider: () => Provider;
}

/**
 * The pages the links in Sesame's emails open: choose a new password, confirm an email address. They work in any
 * browser, signed in or not; the link's token is the credential. Opening a link changes nothing (mail scanners
 * fetch links): a form on the page does, and its CSRF token is bound to the link.
 */
export function emailLinkRoutes(deps: EmailLinkRouteDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });
  const csrfOf = (token: string) => deps.csrf.issue(`email-link:${hashToken(token)}`);
  const bodyOf = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
  const checked = (body: Record<string, unknown>): string | undefined =>
    (isLinkToken(body.token) && deps.csrf.verify(`email-link:${hashToken(body.token)}`, body.csrf) ? body.token : undefined);

  /**
   * "Continue to sign in", while the sign-in the link was asked from still waits at its sign-in step. (Its cookie is
   * scoped to /interaction, so whether this is the same browser is not known here; another browser is told there
   * that the page expired, and goes back to its app.)
   */
  async function signInToContinue(interactionUid: string | null): Promise<string | undefined> {
    if (!interactionUid || !isStorableText(interactionUid)) return undefined;
    const interaction = await deps.provider().Interaction.find(interactionUid);
    return interaction && !interaction.result && interaction.prompt.name === 'login' ? `/interaction/${interactionUid}` : undefined;
  }

  router.get(resetPasswordPath.slice('/account'.length), async function showResetPassword(ctx) {
    const page = accountPageContext(ctx);
    const token = ctx.query.token;
    const link = await findResetLink(deps.recovery, token);
    if (!link || typeof token !== 'string') return sendErrorPage(ctx, page, page.t('reset.invalid'), 400);
    sendPage(ctx, resetPasswordPage({ ...page, username: link.username, action: resetPasswordPath, token, csrf: csrfOf(token) }));
  });

  router.post(resetPasswordPath.slice('/account'.length), form, async function submitResetPassword(ctx) {
    const page = accountPageContext(ctx);
    const { t, locale, brand } = page;
    const body = bodyOf(ctx);
    const token = checked(body);
    if (!token) return sendErrorPage(ctx, page, t('reset.invalid'), 400);
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const result = await resetPassword(deps.recovery, { token, password, origin: requestOrigin(ctx) });
    if (result.outcome === 'invalid_link') return sendErrorPage(ctx, page, t('reset.invalid'), 400);
    if (result.outcome === 'weak_password') {
      const link = await findResetLink(deps.recovery, token);
      if (!link) return sendErrorPage(ctx, page, t('reset.invalid'), 400);
      return sendPage(ctx, resetPasswordPage({ ...page, username: link.username, action: resetPasswordPath, token, csrf: csrfOf(token), error: t('signUp.weakPassword') }), 400);
    }
    const next = await signInToContinue(result.interactionUid);
    sendPage(ctx, messagePage({
      t, locale, brand, title: t('reset.done.title'), text: t('reset.done.text'),
      extra: next ? html`<p><a href="${next}">${t('reset.continue')}</a></p>` : undefined,
    }));
  });

  router.get(verifyEmailPath.slice('/account'.length), async function showVerifyEmail(ctx) {
    const page = accountPageContext(ctx);
    const token = ctx.query.token;
    const link = await findVerificationLink(deps.db, token);
    if (!link || typeof token !== 'string') return sendErrorPage(ctx, page, page.t('verify.link.invalid'), 400);
    sendPage(ctx, verifyEmailLinkPage({ ...page, ...link, action: verifyEmailPath, token, csrf: csrfOf(token) }));
  });

  router.post(verifyEmailPath.slice('/account'.length), form, async function submitVerifyEmail(ctx) {
    const page = accountPageContext(ctx);
    const { t, locale, brand } = page;
    const token = checked(bodyOf(ctx));
    if (!token) return sendErrorPage(ctx, page, t('verify.link.invalid'), 400);
    const result = await verifyEmailLink(deps.recovery, { token, locale, brand, origin: requestOrigin(ctx) });
    if (result.outcome === 'invalid') return sendErrorPage(ctx, page, t('verify.link.invalid'), 400);
    if (result.outcome === 'taken') return sendErrorPage(ctx, page, t('verify.link.taken'), 409);
    const next = await signInToContinue(result.interactionUid);
    sendPage(ctx, messagePage({
      t, locale, brand, title: t('verify.done.title'),
      text: result.changed ? t('verify.done.changed', { email: result.email }) : t('verify.done.text', { email: result.email }),
      extra: next ? html`<p><a href="${next}">${t('reset.continue')}</a></p>` : undefined,
    }));
  });

  return router;
}

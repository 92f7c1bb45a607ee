import type { KoaContextWithOIDC } from 'oidc-provider';
import { html, SafeHtml } from '../pages/html.ts';
import { messagePage } from '../pages/message.page.ts';
import { pageContentSecurityPolicyFor } from '../pages/layout.ts';
import { pageContext } from '../pages/page-context.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';

const localeOf = (ctx: KoaContextWithOIDC) => pageContext(ctx, (ctx.oidc?.params as { ui_locales?: unknown } | undefined)?.ui_locales);

/** Like pages/send-page.ts, but the status is oidc-provider's to set. */
function sendPage(ctx: KoaContextWithOIDC, body: string) {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor(signInExperienceOf(ctx)));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** The page oidc-provider shows when it cannot redirect an error back to the app. */
export async function renderProviderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
  const { locale, t, brand } = localeOf(ctx);
  const text = out.error === 'invalid_request' || out.error === 'invalid_redirect_uri' || out.error === 'invalid_client'
    ? t('error.badRequest') : t('error.generic');
  sendPage(ctx, messagePage({
    t, locale, brand, title: t('error.title'), text, code: out.error,
    extra: out.error_description ? html`<p class="muted">${out.error_description}</p>` : undefined,
  }));
}

/** Asks whether to end the session; oidc-provider supplies the form with its own CSRF protection. */
export async function renderLogoutSource(ctx: KoaContextWithOIDC, form: string) {
  const { locale, t, brand } = localeOf(ctx);
  sendPage(ctx, messagePage({
    t, locale, brand, title: t('logout.title'), text: t('logout.question', { host: ctx.host }),
    extra: html`${new SafeHtml(form)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${t('logout.confirm')}</button>
<button class="secondary" type="submit" form="op.logoutForm">${t('logout.cancel')}</button>`,
  }));
}

export async function renderPostLogoutSuccess(ctx: KoaContextWithOIDC) {
  const { locale, t, brand } = localeOf(ctx);
  const app = ctx.oidc.client?.clientName;
  sendPage(ctx, messagePage({
    t, locale, brand, title: t('logout.done.title'), text: app ? t('logout.done.textApp', { app }) : t('logout.done.text'),
  }));
}

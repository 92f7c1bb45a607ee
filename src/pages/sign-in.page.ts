import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

export interface SignInPageModel {
  t: Translate;
  locale: string;
  action: string;
  csrf: string;
  appName: string;
  login?: string;
  error?: string;
  /** Where *Create account* leads, when self-registration is on. */
  signUpUrl?: string;
  /** Where *Forgot password?* leads. */
  forgotPasswordUrl?: string;
  brand?: PageBrand;
}

export function signInPage({ t, locale, action, csrf, appName, login, error, signUpUrl, forgotPasswordUrl, brand }: SignInPageModel): string {
  return layout({
    title: t('signIn.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('signIn.title')}</h1>
<p>${t('signIn.subtitle', { app: appName })}</p>
<form method="post" action="${action}" novalidate>
  <input type="hidden" name="csrf" value="${csrf}">
  <label for="login">${t('signIn.login')}</label>
  <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
    required ${login ? '' : 'autofocus'} value="${login ?? ''}" maxlength="320">
  <label for="password">${t('signIn.password')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required
    ${login ? 'autofocus' : ''} maxlength="1024">
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <button type="submit">${t('signIn.submit')}</button>
</form>
${forgotPasswordUrl ? html`<p class="muted alt-action"><a href="${forgotPasswordUrl}">${t('signIn.forgotPassword')}</a></p>` : ''}
${signUpUrl ? html`<p class="muted alt-action">${t('signIn.noAccount')} <a href="${signUpUrl}">${t('signIn.createAccount')}</a></p>` : ''}`,
  });
}

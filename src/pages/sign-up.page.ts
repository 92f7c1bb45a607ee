import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

export interface SignUpPageModel {
  t: Translate;
  locale: string;
  action: string;
  signInUrl: string;
  csrf: string;
  appName: string;
  username?: string;
  email?: string;
  error?: string;
  brand?: PageBrand;
}

/** Self-registration, within the same sign-in interaction: the new account is signed in to the app. */
export function signUpPage({ t, locale, action, signInUrl, csrf, appName, username, email, error, brand }: SignUpPageModel): string {
  return layout({
    title: t('signUp.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('signUp.title')}</h1>
<p>${t('signUp.subtitle', { app: appName })}</p>
<form method="post" action="${action}" novalidate>
  <input type="hidden" name="csrf" value="${csrf}">
  <label for="username">${t('signUp.username')}</label>
  <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
    required autofocus value="${username ?? ''}" maxlength="128">
  <label for="email">${t('signUp.email')}</label>
  <input id="email" name="email" type="email" autocomplete="email" spellcheck="false" value="${email ?? ''}" maxlength="320">
  <label for="password">${t('signUp.password')}</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"
    aria-describedby="password-hint">
  <p class="muted hint" id="password-hint">${t('signUp.passwordHint')}</p>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <button type="submit">${t('signUp.submit')}</button>
</form>
<p class="muted alt-action">${t('signUp.haveAccount')} <a href="${signInUrl}">${t('signUp.signIn')}</a></p>`,
  });
}

import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

export interface ResetPasswordPageModel {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  username: string;
  action: string;
  /** The link's token, sent back with the form. */
  token: string;
  csrf: string;
  error?: string;
}

/** The page a reset link opens: a new password for the account the link names. */
export function resetPasswordPage({ t, locale, brand, username, action, token, csrf, error }: ResetPasswordPageModel): string {
  return layout({
    title: t('reset.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('reset.title')}</h1>
<p>${t('reset.intro', { username })}</p>
<form method="post" action="${action}" novalidate>
  <input type="hidden" name="csrf" value="${csrf}">
  <input type="hidden" name="token" value="${token}">
  <input type="text" name="username" value="${username}" autocomplete="username" hidden readonly>
  <label for="password">${t('reset.password')}</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"
    autofocus aria-describedby="password-hint">
  <p class="muted hint" id="password-hint">${t('signUp.passwordHint')}</p>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <button type="submit">${t('reset.submit')}</button>
</form>`,
  });
}

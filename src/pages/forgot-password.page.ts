import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

export interface ForgotPasswordPageModel {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  /** Back to the sign-in page of the same interaction. */
  signInUrl: string;
  /** The form; absent once it was sent, or when email is off (`text` says why). */
  form?: { action: string; csrf: string; login?: string; error?: string };
  title?: string;
  text?: string;
}

/** *Forgot password?*: a username or email, then the same answer whether or not an account matches. */
export function forgotPasswordPage({ t, locale, brand, signInUrl, form, title, text }: ForgotPasswordPageModel): string {
  return layout({
    title: title ?? t('forgot.title'),
    lang: locale,
    brand,
    body: html`
<h1>${title ?? t('forgot.title')}</h1>
<p${form ? '' : html` role="status"`}>${text ?? t('forgot.intro')}</p>
${form ? html`<form method="post" action="${form.action}" novalidate>
  <input type="hidden" name="csrf" value="${form.csrf}">
  <label for="login">${t('signIn.login')}</label>
  <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
    required autofocus value="${form.login ?? ''}" maxlength="320">
  ${form.error ? html`<p class="error" role="alert">${form.error}</p>` : ''}
  <button type="submit">${t('forgot.submit')}</button>
</form>` : ''}
<p class="muted alt-action"><a href="${signInUrl}">${t('forgot.back')}</a></p>`,
  });
}

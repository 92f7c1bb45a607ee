import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

export interface VerifyEmailStepModel {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  email: string;
  /** Where the code goes, and where a new one is asked for; both forms carry the same hidden fields. */
  action: string;
  resendAction: string;
  hidden: Record<string, string>;
  notice?: string;
  error?: string;
}

const hiddenFields = (fields: Record<string, string>) =>
  Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);

/** The sign-in step of an account whose email must be verified first: the code from the email, or a new one. */
export function verifyEmailStepPage({ t, locale, brand, email, action, resendAction, hidden, notice, error }: VerifyEmailStepModel): string {
  return layout({
    title: t('verify.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('verify.title')}</h1>
<p>${t('verify.intro', { email })}</p>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<form method="post" action="${action}" novalidate>
  ${hiddenFields(hidden)}
  <label for="code">${t('verify.code')}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required autofocus>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <button type="submit">${t('verify.submit')}</button>
</form>
<form method="post" action="${resendAction}">
  ${hiddenFields(hidden)}
  <button type="submit" class="secondary">${t('verify.resend')}</button>
</form>`,
  });
}

export interface VerifyEmailLinkModel {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  username: string;
  email: string;
  change: boolean;
  action: string;
  token: string;
  csrf: string;
}

/**
 * The page a verification link opens: one button, so that a mail scanner fetching the link proves nothing and
 * uses nothing up.
 */
export function verifyEmailLinkPage({ t, locale, brand, username, email, change, action, token, csrf }: VerifyEmailLinkModel): string {
  return layout({
    title: t('verify.link.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('verify.link.title')}</h1>
<p>${change ? t('verify.link.introChange', { email, username }) : t('verify.link.intro', { email, username })}</p>
<form method="post" action="${action}">
  <input type="hidden" name="csrf" value="${csrf}">
  <input type="hidden" name="token" value="${token}">
  <button type="submit">${t('verify.link.submit')}</button>
</form>`,
  });
}

import type { Translate } from '../i18n/locale.ts';
import { html, type SafeHtml } from './html.ts';

export interface AccountCredentialsModel {
  t: Translate;
  csrf: string;
  email: string | null;
  emailVerified: boolean;
  /** An address the person asked to change to and has not confirmed yet. */
  pendingEmail?: string;
  /** Whether Sesame can send email (changing and verifying an address need it). */
  canEmail: boolean;
  passwordError?: string;
  emailError?: string;
  /** What was typed as the new email, shown again with its error. */
  newEmail?: string;
}

/** The account page's *Password and email*: change the password, change or verify the address. */
export function accountCredentialsSection(m: AccountCredentialsModel): SafeHtml {
  const { t } = m;
  return html`<section aria-labelledby="security" class="credentials">
  <h2 id="security">${t('account.security')}</h2>
  <h3>${t('account.changePassword')}</h3>
  <form method="post" action="/account/password" aria-label="${t('account.changePassword')}" novalidate>
    <input type="hidden" name="csrf" value="${m.csrf}">
    <input type="text" name="username" autocomplete="username" hidden readonly>
    <label for="current-password">${t('account.currentPassword')}</label>
    <input id="current-password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024">
    <label for="new-password">${t('account.newPassword')}</label>
    <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024" aria-describedby="new-password-hint">
    <p class="muted hint" id="new-password-hint">${t('signUp.passwordHint')}</p>
    ${m.passwordError ? html`<p class="error" role="alert">${m.passwordError}</p>` : ''}
    <button type="submit">${t('account.changePassword')}</button>
  </form>
  <h3>${t('account.changeEmail')}</h3>
  ${m.pendingEmail ? html`<p class="notice" role="status">${t('account.emailPending', { email: m.pendingEmail })}</p>` : ''}
  ${m.canEmail ? html`<form method="post" action="/account/email" aria-label="${t('account.changeEmail')}" novalidate>
    <input type="hidden" name="csrf" value="${m.csrf}">
    <label for="new-email">${t('account.newEmail')}</label>
    <input id="new-email" name="email" type="email" autocomplete="email" spellcheck="false" required maxlength="320" value="${m.newEmail ?? ''}">
    <label for="email-current-password">${t('account.currentPassword')}</label>
    <input id="email-current-password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024">
    ${m.emailError ? html`<p class="error" role="alert">${m.emailError}</p>` : ''}
    <button type="submit">${t('account.changeEmail')}</button>
  </form>
  ${m.email && !m.emailVerified ? html`<form method="post" action="/account/email/verification">
    <input type="hidden" name="csrf" value="${m.csrf}">
    <button type="submit" class="secondary">${t('account.sendVerification')}</button>
  </form>` : ''}` : html`<p class="muted">${t('account.emailUnavailable')}</p>`}
</section>`;
}

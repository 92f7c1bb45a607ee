import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';
import { webauthnScripts } from './page-scripts.ts';
import { webauthnForm } from './webauthn-form.ts';

export interface SecondFactorPageModel {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  appName: string;
  csrf: string;
  /** Where the authenticator app's code goes, when the person has one. */
  codeAction?: string;
  /** The passkey ceremony, when the person has passkeys. */
  passkey?: { action: string; options: unknown };
  /** Where a recovery code goes, when the person has some. */
  recoveryAction?: string;
  error?: string;
  /** The recovery code form is the one that failed: keep it open. */
  recoveryOpen?: boolean;
}

/** The second step of a sign-in: a code from the authenticator app, a passkey, or a recovery code. */
export function secondFactorPage(model: SecondFactorPageModel): string {
  const { t, locale, brand, appName, csrf, codeAction, passkey, recoveryAction, error, recoveryOpen } = model;
  const codeError = error && !recoveryOpen ? html`<p class="error" role="alert">${error}</p>` : '';
  return layout({
    title: t('mfa.title'),
    lang: locale,
    brand,
    scripts: passkey ? webauthnScripts : [],
    body: html`
<h1>${t('mfa.title')}</h1>
<p>${t('mfa.subtitle', { app: appName })}</p>
${codeAction ? html`<form method="post" action="${codeAction}" novalidate>
  <input type="hidden" name="csrf" value="${csrf}">
  <label for="code">${t('mfa.code')}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required autofocus aria-describedby="code-hint">
  <p class="muted hint" id="code-hint">${t('mfa.codeHint')}</p>
  ${codeError}
  <button type="submit">${t('mfa.verify')}</button>
</form>` : codeError}
${passkey ? webauthnForm({
    ceremony: 'authenticate', action: passkey.action, csrf, options: passkey.options,
    button: t('mfa.usePasskey'), failed: t('passkey.failed'), secondary: Boolean(codeAction),
  }) : ''}
${recoveryAction ? html`<details class="alt-action"${recoveryOpen ? html` open` : ''}>
  <summary>${t('mfa.useRecoveryCode')}</summary>
  <form method="post" action="${recoveryAction}" novalidate>
    <input type="hidden" name="csrf" value="${csrf}">
    <label for="recovery-code">${t('mfa.recoveryCode')}</label>
    <input id="recovery-code" name="recovery_code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="64" required>
    ${error && recoveryOpen ? html`<p class="error" role="alert">${error}</p>` : ''}
    <button type="submit">${t('mfa.verify')}</button>
  </form>
</details>` : ''}`,
  });
}

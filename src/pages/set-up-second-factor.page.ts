import type { Translate } from '../i18n/locale.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type PageBrand } from './layout.ts';
import { webauthnScripts } from './page-scripts.ts';
import { webauthnForm } from './webauthn-form.ts';

interface PageBase {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  csrf: string;
}

export interface ChooseSecondFactorModel extends PageBase {
  /** Why: the organisation's policy, or the app asked for it. */
  reason: string;
  totpAction: string;
  passkey: { action: string; options: unknown };
  /** Where *Cancel* goes (the sign-in ends with access_denied), when there is one. */
  cancelAction?: string;
  error?: string;
}

/** Setting up a second factor during sign-in (when it is required): an authenticator app or a passkey. */
export function chooseSecondFactorPage({ t, locale, brand, csrf, reason, totpAction, passkey, cancelAction, error }: ChooseSecondFactorModel): string {
  return layout({
    title: t('enrol.title'),
    lang: locale,
    brand,
    scripts: webauthnScripts,
    body: html`
<h1>${t('enrol.title')}</h1>
<p>${reason}</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<h2>${t('enrol.app')}</h2>
<p class="muted">${t('enrol.appHint')}</p>
<form method="post" action="${totpAction}">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit">${t('enrol.useApp')}</button>
</form>
<h2>${t('enrol.passkey')}</h2>
<p class="muted">${t('enrol.passkeyHint')}</p>
${webauthnForm({ ceremony: 'register', action: passkey.action, csrf, options: passkey.options, button: t('enrol.usePasskey'), failed: t('passkey.failed'), secondary: true })}
${cancelAction ? html`<form method="post" action="${cancelAction}">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="secondary">${t('consent.cancel')}</button>
</form>` : ''}`,
  });
}

export interface TotpSetUpModel extends PageBase {
  productName: string;
  qrCodeDataUrl: string;
  manualKey: string;
  action: string;
  error?: string;
  /** A link back (the account page), when there is somewhere to go back to. */
  back?: SafeHtml;
}

/** The QR code and manual key of a new authenticator app, and the first code it shows. */
export function totpSetUpPage({ t, locale, brand, csrf, productName, qrCodeDataUrl, manualKey, action, error, back }: TotpSetUpModel): string {
  return layout({
    title: t('totp.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('totp.title')}</h1>
<p>${t('totp.scan')}</p>
<img class="qr" src="${qrCodeDataUrl}" alt="${t('totp.qrAlt', { product: productName })}" width="200" height="200">
<p class="muted">${t('totp.manual')}</p>
<p><code class="key" id="manual-key" aria-label="${t('totp.manualLabel')}">${manualKey}</code></p>
<form method="post" action="${action}" novalidate>
  <input type="hidden" name="csrf" value="${csrf}">
  <label for="code">${t('mfa.code')}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required autofocus aria-describedby="code-hint">
  <p class="muted hint" id="code-hint">${t('totp.confirm')}</p>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <button type="submit">${t('totp.submit')}</button>
</form>
${back}`,
  });
}

export interface RecoveryCodesModel {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  codes: string[];
  /** Where *Continue* goes: a form (the sign-in goes on) or a link (back to the account page). */
  next: { action: string; csrf: string } | { href: string };
}

/** New recovery codes, shown this once. */
export function recoveryCodesPage({ t, locale, brand, codes, next }: RecoveryCodesModel): string {
  return layout({
    title: t('recovery.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('recovery.title')}</h1>
<p>${t('recovery.text')}</p>
<ol class="codes" aria-label="${t('recovery.title')}">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
${'action' in next ? html`<form method="post" action="${next.action}">
  <input type="hidden" name="csrf" value="${next.csrf}">
  <button type="submit">${t('recovery.continue')}</button>
</form>` : html`<p class="alt-action"><a href="${next.href}">${t('recovery.continue')}</a></p>`}`,
  });
}

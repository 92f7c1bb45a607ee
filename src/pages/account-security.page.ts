import type { Translate } from '../i18n/locale.ts';
import { html, type SafeHtml } from './html.ts';
import { webauthnForm } from './webauthn-form.ts';

export interface AccountSecurityModel {
  t: Translate;
  locale: string;
  csrf: string;
  totp: { confirmedAt: Date } | null;
  passkeys: { id: string; name: string; createdAt: Date }[];
  recoveryCodes: { total: number; unused: number };
  /** Options for *Add a passkey*. */
  passkeyOptions: unknown;
}

const postButton = (action: string, csrf: string, label: string, options: { danger?: boolean; ariaLabel?: string } = {}) => html`<form method="post" action="${action}">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="${options.danger ? 'danger' : 'secondary inline'}"${options.ariaLabel ? html` aria-label="${options.ariaLabel}"` : ''}>${label}</button>
</form>`;

/** The account page's *Two-step verification* section: the authenticator app, passkeys and recovery codes. */
export function accountSecuritySection({ t, locale, csrf, totp, passkeys, recoveryCodes, passkeyOptions }: AccountSecurityModel): SafeHtml {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
  return html`<section aria-labelledby="two-step">
  <h2 id="two-step">${t('account.twoStep')}</h2>
  <p class="muted">${t('account.securityIntro')}</p>
  <h3>${t('account.totp')}</h3>
  ${totp
    ? html`<ul class="factors"><li class="factor"><p>${t('account.totpOn', { date: date.format(totp.confirmedAt) })}</p>${postButton('/account/totp/remove', csrf, t('account.removeTotp'), { danger: true })}</li></ul>`
    : postButton('/account/totp', csrf, t('account.addTotp'))}
  <h3>${t('account.passkeys')}</h3>
  ${passkeys.length === 0 ? html`<p class="muted">${t('account.noPasskeys')}</p>` : html`<ul class="factors">
    ${passkeys.map((p) => html`<li class="factor"><p><strong>${p.name}</strong><br><span class="muted">${t('account.passkeyAdded', { date: date.format(p.createdAt) })}</span></p>
      ${postButton(`/account/passkeys/${encodeURIComponent(p.id)}/remove`, csrf, t('account.removePasskey'), { danger: true, ariaLabel: `${t('account.removePasskey')}: ${p.name}` })}</li>`)}
  </ul>`}
  ${webauthnForm({
    ceremony: 'register', action: '/account/passkeys', csrf, options: passkeyOptions, button: t('account.addPasskey'), failed: t('passkey.failed'), secondary: true,
    fields: html`<label for="passkey-name">${t('account.passkeyName')}</label>
  <input id="passkey-name" name="name" type="text" maxlength="64" placeholder="${t('passkey.defaultName', { n: String(passkeys.length + 1) })}">`,
  })}
  <h3>${t('account.recoveryCodes')}</h3>
  ${recoveryCodes.total === 0
    ? html`<p class="muted">${t('account.recoveryNone')}</p>`
    : html`<p class="muted">${t('account.recoveryLeft', { unused: String(recoveryCodes.unused), total: String(recoveryCodes.total) })}</p>${postButton('/account/recovery-codes', csrf, t('account.newRecoveryCodes'))}`}
</section>`;
}

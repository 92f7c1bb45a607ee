import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { defaultPageBrand, layout, type PageBrand } from './layout.ts';
import { logo } from './logo.ts';

/**
 * The pages of the device flow (RFC 8628) a person sees in their browser: the code to type, the device to
 * confirm. Their forms post to oidc-provider's code verification endpoint with its `xsrf` field.
 */

interface DevicePageBase {
  t: Translate;
  locale: string;
  brand?: PageBrand;
  /** oidc-provider's code verification endpoint (with the page's `ui_locales`, so the next page keeps the language). */
  action: string;
  xsrf: string;
}

export interface UserCodePageModel extends DevicePageBase {
  /** What was typed, shown again after a wrong code. */
  code?: string;
  error?: string;
  /** Only digits (a TV remote's charset): the keypad on phones. */
  digits?: boolean;
}

/** "Enter the code shown on your device." */
export function userCodePage(model: UserCodePageModel): string {
  const { t, locale } = model;
  return layout({
    title: t('device.title'),
    lang: locale,
    brand: model.brand,
    body: html`
<h1>${t('device.title')}</h1>
<p>${t('device.intro')}</p>
<form method="post" action="${model.action}" novalidate>
  <input type="hidden" name="xsrf" value="${model.xsrf}">
  <label for="user_code">${t('device.code')}</label>
  <input type="text" id="user_code" name="user_code" value="${model.code ?? ''}" autocomplete="off" autocapitalize="characters"
    spellcheck="false" autofocus maxlength="64" ${model.digits ? html`inputmode="numeric"` : ''}
    ${model.error ? html`aria-invalid="true" aria-describedby="code-error"` : ''}>
  ${model.error ? html`<p class="error" id="code-error" role="alert">${model.error}</p>` : ''}
  <button type="submit">${t('device.continue')}</button>
</form>`,
  });
}

export interface DeviceConfirmPageModel extends DevicePageBase {
  /** As the device shows it (with its dashes). */
  userCode: string;
  app: { name: string; logoUrl?: string | null; logoDarkUrl?: string | null };
  /** The device in words ("Firefox on Windows", or "an unknown device") and where it asked from. */
  device: string;
  ip: string;
}

/** "Is this the device you want to sign in?": the app, the code to compare, where the request came from. */
export function deviceConfirmPage(model: DeviceConfirmPageModel): string {
  const { t, locale, app } = model;
  const brand = model.brand ?? defaultPageBrand;
  return layout({
    title: t('device.confirm.title'),
    lang: locale,
    brand: model.brand,
    body: html`
<div class="logos">${logo({ url: app.logoUrl ?? app.logoDarkUrl, darkUrl: app.logoDarkUrl, name: app.name, alt: t('consent.logoAlt', { app: app.name }), size: 48, tileClass: 'logo-letter' })}<span class="link-dots" aria-hidden="true">⋯</span>${logo({ url: brand.logoUrl, darkUrl: brand.logoDarkUrl, name: brand.productName, alt: brand.productName, size: 48, tileClass: 'logo-idp' })}</div>
<h1>${t('device.confirm.title')}</h1>
<p>${t('device.confirm.app', { app: app.name })}</p>
<p>${t('device.confirm.codeLabel')}</p>
<code class="key" aria-label="${t('device.code')}">${model.userCode}</code>
<p class="muted hint">${t('device.confirm.from', { device: model.device, ip: model.ip })}</p>
<p class="notice">${t('device.confirm.warning')}</p>
<form method="post" action="${model.action}">
  <input type="hidden" name="xsrf" value="${model.xsrf}">
  <input type="hidden" name="user_code" value="${model.userCode}">
  <input type="hidden" name="confirm" value="yes">
  <button type="submit">${t('device.confirm.yes')}</button>
</form>
<form method="post" action="${model.action}">
  <input type="hidden" name="xsrf" value="${model.xsrf}">
  <input type="hidden" name="user_code" value="${model.userCode}">
  <input type="hidden" name="abort" value="yes">
  <button type="submit" class="secondary">${t('device.confirm.no')}</button>
</form>`,
  });
}

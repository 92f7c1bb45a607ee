import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { defaultPageBrand, layout, type PageBrand } from './layout.ts';
import { logo } from './logo.ts';

export interface ConsentPermission {
  /** The form value: a user data scope, or `<resource indicator> <scope>` for an API resource scope. */
  value: string;
  label: string;
  /** Cannot be unticked (openid). */
  required?: boolean;
  /** An admin approved it for every user: shown ticked, marked, and cannot be unticked. */
  preapproved?: boolean;
}

export interface ConsentGroup {
  title: string;
  /** What else to say of the group: where the API is, and that the token carries none of its permissions. */
  notes?: string[];
  permissions: ConsentPermission[];
}

export interface ConsentPageModel {
  t: Translate;
  locale: string;
  action: string;
  cancelAction: string;
  switchAccount: string;
  csrf: string;
  app: { name: string; logoUrl?: string | null; logoDarkUrl?: string | null; termsUrl?: string | null; privacyUrl?: string | null };
  user: string;
  groups: ConsentGroup[];
  /** Where the person is sent after; none in the device flow (RFC 8628), where the device gets the tokens. */
  destination?: string;
  /** Where the answer goes and who the app is, when there is something to say (src/interaction/consent.ts). */
  trust?: { host: string; loopback: boolean; verifiedDomain?: string; unverified: boolean };
  /** Whether the person chooses how long the decision lasts (src/interaction/consent-duration.ts). */
  durations?: boolean;
  /** The sign-in experience (product name, logo, colour). */
  brand?: PageBrand;
}

function appLogo({ t, app }: ConsentPageModel) {
  return logo({
    url: app.logoUrl ?? app.logoDarkUrl, darkUrl: app.logoDarkUrl, name: app.name, alt: t('consent.logoAlt', { app: app.name }),
    size: 48, tileClass: 'logo-letter',
  });
}

/** The IdP's own mark beside the app's: the sign-in experience logo, or the product name's initial. */
function idpLogo(brand: PageBrand) {
  return logo({ url: brand.logoUrl, darkUrl: brand.logoDarkUrl, name: brand.productName, alt: brand.productName, size: 48, tileClass: 'logo-idp' });
}

/**
 * The redirect's host, large, with the *Verified* badge or the warnings a person needs before trusting an app that
 * runs on a device or added itself (MCP authorization: show the redirect host, warn when it is only localhost).
 */
function trustBlock({ t, app, trust }: ConsentPageModel) {
  if (!trust) return '';
  return html`
<div class="trust">
  <p class="answer-host"><span class="muted">${t('consent.answerGoesTo')}</span> <strong>${trust.host}</strong>${trust.verifiedDomain
    ? html` <span class="badge verified" title="${t('consent.verifiedTitle', { domain: trust.verifiedDomain })}">✓ ${t('consent.verified')}</span>` : ''}</p>
  ${trust.loopback ? html`<p class="warning" role="note">${t('consent.loopbackWarning')}</p>` : ''}
  ${trust.unverified ? html`<p class="warning" role="note">${t('consent.unverifiedWarning', { app: app.name })}</p>` : ''}
</div>`;
}

/** The consent screen of a third-party app (DESIGN.md §4): its branding, the permissions, Authorize or Cancel. */
export function consentPage(model: ConsentPageModel): string {
  const { t, locale, app } = model;
  const legal = app.termsUrl || app.privacyUrl;
  return layout({
    title: t('consent.title', { app: app.name }),
    lang: locale,
    brand: model.brand,
    body: html`
<div class="logos">${appLogo(model)}<span class="link-dots" aria-hidden="true">⋯</span>${idpLogo(model.brand ?? defaultPageBrand)}</div>
<h1>${t('consent.title', { app: app.name })}</h1>
<p class="user">${t('consent.signedInAs', { user: model.user })} · <a href="${model.switchAccount}">${t('consent.notYou')}</a></p>
${trustBlock(model)}
<form method="post" action="${model.action}" id="consent">
  <input type="hidden" name="csrf" value="${model.csrf}">
  ${model.groups.map((group) => html`
  <fieldset class="permissions">
    <legend>${group.title}</legend>
    ${(group.notes ?? []).map((note) => html`<p class="muted">${note}</p>`)}
    ${group.permissions.map((permission) => html`
    <label class="permission">
      <input type="checkbox" name="grant" value="${permission.value}" checked ${permission.required || permission.preapproved ? 'disabled' : ''}>
      <span>${permission.label}${permission.required ? html` <span class="muted">(${t('consent.required')})</span>` : ''}${permission.preapproved ? html` <span class="muted preapproved">(${t('consent.preapproved')})</span>` : ''}</span>
    </label>
    ${permission.required ? html`<input type="hidden" name="grant" value="${permission.value}">` : ''}`)}
  </fieldset>`)}
  ${legal ? html`<p class="muted legal">${t('consent.legal', { app: app.name })}
    ${app.termsUrl ? html`<a href="${app.termsUrl}" target="_blank" rel="noopener noreferrer">${t('consent.terms')}</a>` : ''}
    ${app.termsUrl && app.privacyUrl ? ' · ' : ''}
    ${app.privacyUrl ? html`<a href="${app.privacyUrl}" target="_blank" rel="noopener noreferrer">${t('consent.privacy')}</a>` : ''}</p>` : ''}
  ${model.durations ? html`
  <fieldset class="permissions durations">
    <legend>${t('consent.duration')}</legend>
    <label class="permission"><input type="radio" name="duration" value="until_revoked" checked><span>${t('consent.duration.untilRevoked')}</span></label>
    <label class="permission"><input type="radio" name="duration" value="30_days"><span>${t('consent.duration.30days')}</span></label>
    <label class="permission"><input type="radio" name="duration" value="once"><span>${t('consent.duration.once')}</span></label>
  </fieldset>` : ''}
  <p class="muted destination">${model.destination ? t('consent.redirect', { destination: model.destination }) : t('consent.device')}</p>
  <button type="submit">${t('consent.authorize')}</button>
</form>
<form method="post" action="${model.cancelAction}">
  <input type="hidden" name="csrf" value="${model.csrf}">
  <button type="submit" class="secondary">${t('consent.cancel')}</button>
</form>`,
  });
}

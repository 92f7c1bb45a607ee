import type { Translate } from '../i18n/locale.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type PageBrand } from './layout.ts';
import { webauthnScripts } from './page-scripts.ts';
import { logo } from './logo.ts';
import { durationWords } from './duration.ts';

export interface ConnectedApp {
  clientId: string;
  name: string;
  logoUrl: string | null;
  logoDarkUrl: string | null;
  /**
   * What it may do, in the person's language; `value` names the permission (a scope, or `INDICATOR SCOPE`).
   * `preapproved`: the admin approved it for everyone (src/consents/consent-policy.ts): not the person's to remove.
   */
  permissions: { value: string; label: string; preapproved?: boolean }[];
  grantedAt: Date | undefined;
  /** When the consent ends by itself; undefined: when the person revokes it. */
  expiresAt?: Date;
  /** When it last used its access (a token issued or refreshed, userinfo read), and the APIs it asked for. */
  lastUsedAt: Date | undefined;
  apis: string[];
  /** Seconds revoking may take to stop it (a JWT access token it holds lives on until it expires); 0: at once. */
  revocationBound: number;
}

/** "Revoking takes effect within 5 minutes", next to every *Revoke access*. */
export function revocationNote(t: Translate, app: Pick<ConnectedApp, 'revocationBound'>): string {
  return app.revocationBound > 0 ? t('account.revokeBound.within', { wait: durationWords(t, app.revocationBound) }) : t('account.revokeBound.now');
}

export interface AccountPageModel {
  t: Translate;
  locale: string;
  user: { username: string; name: string | null; email: string | null; email_verified?: boolean };
  apps: ConnectedApp[];
  notice?: string;
  /** Of the forms that take one permission back from an app. */
  csrf: string;
  brand?: PageBrand;
  /** More sections after the profile (password and email, src/pages/account-credentials.page.ts; two-step verification, src/pages/account-security.page.ts). */
  sections?: SafeHtml[];
  /** Whether a section has WebAuthn forms, which run Sesame's page scripts. */
  scripts?: boolean;
}

function appLogo(t: Translate, app: ConnectedApp) {
  return logo({
    url: app.logoUrl ?? app.logoDarkUrl, darkUrl: app.logoDarkUrl, name: app.name, alt: t('consent.logoAlt', { app: app.name }),
    size: 40, tileClass: 'logo-letter',
  });
}

/** The end user's own page: profile, and the third-party apps they let in, each revocable (after a confirmation page). */
export function accountPage({ t, locale, user, apps, notice, csrf, brand, sections = [], scripts = false }: AccountPageModel): string {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' });
  return layout({
    title: t('account.title'),
    lang: locale,
    wide: true,
    brand,
    scripts: scripts ? webauthnScripts : [],
    body: html`
<h1>${t('account.title')}</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<section aria-labelledby="profile">
  <h2 id="profile">${t('account.profile')}</h2>
  <dl class="profile">
    <dt>${t('account.username')}</dt><dd>${user.username}</dd>
    ${user.name ? html`<dt>${t('account.name')}</dt><dd>${user.name}</dd>` : ''}
    ${user.email ? html`<dt>${t('account.email')}</dt><dd>${user.email}${user.email_verified === undefined ? '' : html` <span class="muted">(${user.email_verified ? t('account.emailVerified') : t('account.emailUnverified')})</span>`}</dd>` : ''}
  </dl>
</section>
${sections}
<section aria-labelledby="connected-apps">
  <h2 id="connected-apps">${t('account.connectedApps')}</h2>
  ${apps.length === 0 ? html`<p>${t('account.noApps')}</p>` : html`<ul class="apps">
    ${apps.map((app) => html`<li class="app">
      ${appLogo(t, app)}
      <div class="app-body">
        <h3>${app.name}</h3>
        ${app.grantedAt ? html`<p class="muted">${t('account.granted', { date: date.format(app.grantedAt) })}</p>` : ''}
        <p class="muted">${app.lastUsedAt ? t('account.lastUsed', { date: dateTime.format(app.lastUsedAt) }) : t('account.notUsedYet')}</p>
        ${app.expiresAt ? html`<p class="muted">${t('account.until', { date: date.format(app.expiresAt) })}</p>` : ''}
        <p class="muted">${t('account.canAccess')}</p>
        <ul class="scopes">${app.permissions.map((p) => p.preapproved
          ? html`<li><span class="permission-label">${p.label}</span> <span class="muted preapproved">(${t('consent.preapproved')})</span></li>`
          : html`<li><span class="permission-label">${p.label}</span>
          <form method="post" action="/account/apps/${encodeURIComponent(app.clientId)}/permissions" class="inline">
            <input type="hidden" name="csrf" value="${csrf}">
            <input type="hidden" name="permission" value="${p.value}">
            <button type="submit" class="link small" aria-label="${t('account.removePermissionLabel', { permission: p.label, app: app.name })}">${t('account.removePermission')}</button>
          </form></li>`)}</ul>
        ${app.apis.length ? html`<p class="muted">${t('account.apis')}</p><ul class="scopes apis">${app.apis.map((api) => html`<li>${api}</li>`)}</ul>` : ''}
        <form method="get" action="/account/apps/${encodeURIComponent(app.clientId)}/revoke">
          <button type="submit" class="danger" aria-label="${t('account.revoke')}: ${app.name}">${t('account.revoke')}</button>
        </form>
        <p class="muted revoke-bound">${revocationNote(t, app)}</p>
      </div>
    </li>`)}
  </ul>`}
</section>
<p><a href="/account/logout">${t('account.signOut')}</a></p>`,
  });
}

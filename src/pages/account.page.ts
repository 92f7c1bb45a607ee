import type { Translate } from '../i18n/locale.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type PageBrand } from './layout.ts';
import { logo } from './logo.ts';

export interface ConnectedApp {
  clientId: string;
  name: string;
  logoUrl: string | null;
  logoDarkUrl: string | null;
  permissions: string[];
  grantedAt: Date | undefined;
}

export interface AccountPageModel {
  t: Translate;
  locale: string;
  user: { username: string; name: string | null; email: string | null; email_verified?: boolean };
  apps: ConnectedApp[];
  notice?: string;
  brand?: PageBrand;
  /** More sections after the profile (password and email, src/pages/account-credentials.page.ts). */
  sections?: SafeHtml[];
}

function appLogo(t: Translate, app: ConnectedApp) {
  return logo({
    url: app.logoUrl ?? app.logoDarkUrl, darkUrl: app.logoDarkUrl, name: app.name, alt: t('consent.logoAlt', { app: app.name }),
    size: 40, tileClass: 'logo-letter',
  });
}

/** The end user's own page: profile, and the third-party apps they let in, each revocable (after a confirmation page). */
export function accountPage({ t, locale, user, apps, notice, brand, sections = [] }: AccountPageModel): string {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
  return layout({
    title: t('account.title'),
    lang: locale,
    wide: true,
    brand,
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
        <p class="muted">${t('account.canAccess')}</p>
        <ul class="scopes">${app.permissions.map((p) => html`<li>${p}</li>`)}</ul>
        <form method="get" action="/account/apps/${encodeURIComponent(app.clientId)}/revoke">
          <button type="submit" class="danger" aria-label="${t('account.revoke')}: ${app.name}">${t('account.revoke')}</button>
        </form>
      </div>
    </li>`)}
  </ul>`}
</section>
<p><a href="/account/logout">${t('account.signOut')}</a></p>`,
  });
}

import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';
import { logo } from './logo.ts';
import { accountSessionsSection } from './account-sessions.section.ts';
import type { AccountSession } from '../sessions/session.service.ts';

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
  user: { username: string; name: string | null; email: string | null };
  apps: ConnectedApp[];
  /** The person's signed-in sessions, this browser's first. */
  sessions: AccountSession[];
  csrf: string;
  notice?: string;
  brand?: PageBrand;
}

function appLogo(t: Translate, app: ConnectedApp) {
  return logo({
    url: app.logoUrl ?? app.logoDarkUrl, darkUrl: app.logoDarkUrl, name: app.name, alt: t('consent.logoAlt', { app: app.name }),
    size: 40, tileClass: 'logo-letter',
  });
}

/** The end user's own page: profile, and the third-party apps they let in, each revocable. */
export function accountPage({ t, locale, user, apps, sessions, csrf, notice, brand }: AccountPageModel): string {
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
    ${user.email ? html`<dt>${t('account.email')}</dt><dd>${user.email}</dd>` : ''}
  </dl>
</section>
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
        <form method="post" action="/account/apps/${encodeURIComponent(app.clientId)}/revoke">
          <input type="hidden" name="csrf" value="${csrf}">
          <button type="submit" class="danger" aria-label="${t('account.revoke')}: ${app.name}">${t('account.revoke')}</button>
        </form>
      </div>
    </li>`)}
  </ul>`}
</section>
${accountSessionsSection({ t, locale, sessions, csrf })}
<p><a href="/account/logout">${t('account.signOut')}</a></p>`,
  });
}

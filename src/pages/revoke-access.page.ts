import type { Translate } from '../i18n/locale.ts';
import { revocationNote, type ConnectedApp } from './account.page.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';
import { logo } from './logo.ts';

export interface RevokeAccessPageModel {
  t: Translate;
  locale: string;
  app: ConnectedApp;
  csrf: string;
  brand?: PageBrand;
}

/**
 * Before *Revoke access* takes an app's access away: what the app loses and that it must ask again, then the
 * action or Cancel. A page of its own, since Sesame's pages run no script to open a dialog.
 */
export function revokeAccessPage({ t, locale, app, csrf, brand }: RevokeAccessPageModel): string {
  const title = t('account.revokeConfirm.title', { app: app.name });
  return layout({
    title,
    lang: locale,
    brand,
    body: html`
<div class="logos">${logo({
    url: app.logoUrl ?? app.logoDarkUrl, darkUrl: app.logoDarkUrl, name: app.name, alt: t('consent.logoAlt', { app: app.name }),
    size: 48, tileClass: 'logo-letter',
  })}</div>
<h1>${title}</h1>
<p>${t('account.revokeConfirm.text', { app: app.name })}</p>
<ul class="scopes">${app.permissions.map((p) => html`<li>${p.label}</li>`)}</ul>
<p class="muted">${revocationNote(t, app)}</p>
<form method="post" action="/account/apps/${encodeURIComponent(app.clientId)}/revoke">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit">${t('account.revoke')}</button>
</form>
<p class="alt-action"><a href="/account">${t('consent.cancel')}</a></p>`,
  });
}

import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

/** Asks before signing the person out of every browser, this one included. */
export function signOutEverywherePage({ t, locale, brand, csrf }: { t: Translate; locale: string; brand?: PageBrand; csrf: string }): string {
  return layout({
    title: t('sessions.confirm.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('sessions.confirm.title')}</h1>
<p>${t('sessions.confirm.text')}</p>
<form method="post" action="/account/sessions/end-all">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" autofocus>${t('sessions.confirm.yes')}</button>
</form>
<p class="alt-action"><a href="/account">${t('sessions.confirm.no')}</a></p>`,
  });
}

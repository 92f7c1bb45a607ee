import type { Translate } from '../i18n/locale.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

/** A page that tells the person something: an error, or that they are signed out. */
export function messagePage(options: { t: Translate; locale: string; title: string; text: string; code?: string; extra?: SafeHtml; brand?: PageBrand }): string {
  const { t, locale, title, text, code, extra, brand } = options;
  return layout({
    title,
    lang: locale,
    brand,
    body: html`
<h1>${title}</h1>
<p>${text}</p>
${code ? html`<p class="muted">${t('error.code')}: <code>${code}</code></p>` : ''}
${extra}`,
  });
}

import type { Translate } from '../i18n/locale.ts';
import { html } from './html.ts';
import { layout, type PageBrand } from './layout.ts';

export interface SetupPageModel {
  t: Translate;
  locale: string;
  action: string;
  token: string;
  csrf: string;
  username?: string;
  email?: string;
  error?: string;
  brand: PageBrand;
}

/** First run: the form that creates the first admin, reached through the one-time link printed at start-up. */
export function setupPage({ t, locale, action, token, csrf, username, email, error, brand }: SetupPageModel): string {
  return layout({
    title: t('setup.title'),
    lang: locale,
    brand,
    body: html`
<h1>${t('setup.title')}</h1>
<p>${t('setup.intro', { product: brand.productName })}</p>
<form method="post" action="${action}" novalidate>
  <input type="hidden" name="token" value="${token}">
  <input type="hidden" name="csrf" value="${csrf}">
  <label for="username">${t('setup.username')}</label>
  <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
    required autofocus value="${username ?? ''}" maxlength="128">
  <label for="email">${t('setup.email')}</label>
  <input id="email" name="email" type="email" autocomplete="email" spellcheck="false" value="${email ?? ''}" maxlength="320">
  <label for="password">${t('setup.password')}</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"
    aria-describedby="password-hint">
  <p class="muted hint" id="password-hint">${t('signUp.passwordHint')}</p>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <button type="submit">${t('setup.submit')}</button>
</form>`,
  });
}

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../src/i18n/locale.ts';
import { catalogs } from '../src/i18n/messages.ts';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow } from './support/consent.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The consent page in each shipped language, chosen by ui_locales and, without it, by the browser's
 * Accept-Language. Expected words come from the catalogues themselves, so a translation can change freely.
 */
const file = import.meta.filename;
const appName = 'Partner Notes';
/** The browser's own language for each: what Accept-Language says. */
const browserLocales: Record<string, string> = { en: 'en-GB', fr: 'fr-FR', ja: 'ja-JP', ko: 'ko-KR', ru: 'ru-RU' };

let browser: Browser;
let sesame: TestSesame;
let partner: RelyingParty;
let user: { login: string; password: string };

beforeAll(async () => {
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  const created = await sesame.createUser({ username: 'mika', name: 'Mika Häkkinen' });
  user = { login: created.username, password: created.password };
  const app = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: ['https://partner.example.com/callback'] });
  await sesame.sesame.db.updateTable('applications').set({
    display_name: appName, terms_url: 'https://partner.example.com/terms', privacy_url: 'https://partner.example.com/privacy',
  }).where('id', '=', app.clientId).execute();
  await allow(sesame, app.clientId, ['profile', 'email']);
  partner = await relyingParty(sesame, app, 'https://partner.example.com/callback');
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

/** Signs in on the page in `lang` (by its translated labels) and checks the consent page that follows. */
async function expectConsentIn(page: Page, lang: string) {
  const t = translator(lang);
  expect(await page.locator('html').getAttribute('lang'), 'sign-in page language').toBe(lang);
  await signInOnPage(page, user, catalogs[lang]!);

  const authorize = page.getByRole('button', { name: t('consent.authorize'), exact: true });
  await authorize.waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe(lang);
  expect(await page.getByRole('button', { name: t('consent.cancel'), exact: true }).isVisible()).toBe(true);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('consent.title', { app: appName }));
  expect(await page.getByRole('link', { name: t('consent.notYou'), exact: true }).isVisible()).toBe(true);
  expect(await page.getByRole('link', { name: t('consent.terms'), exact: true }).isVisible()).toBe(true);
  expect(await page.getByRole('link', { name: t('consent.privacy'), exact: true }).isVisible()).toBe(true);
  for (const scope of ['profile', 'email'] as const) {
    expect(await page.getByRole('checkbox', { name: t(`scope.${scope}`), exact: true }).isChecked(), scope).toBe(true);
  }
}

describe('the consent page in every shipped language', () => {
  it('ships the five seed languages, each with every text', () => {
    expect(Object.keys(catalogs).sort()).toEqual(['en', 'fr', 'ja', 'ko', 'ru']);
    for (const [lang, messages] of Object.entries(catalogs)) {
      expect(Object.keys(messages).sort(), lang).toEqual(Object.keys(catalogs.en!).sort());
      if (lang !== 'en') expect(messages['consent.authorize'], `${lang} is translated`).not.toBe(catalogs.en!['consent.authorize']);
    }
  });

  for (const lang of Object.keys(browserLocales)) {
    it(`renders in ${lang}, by ui_locales and by Accept-Language`, async () => {
      // ui_locales wins over a browser that speaks another language.
      const other = lang === 'en' ? 'fr-FR' : 'en-US';
      const byParam = await newPerson(browser, { locale: other });
      try {
        const request = await authorizationRequest(partner, { scope: 'openid profile email', ui_locales: lang });
        await byParam.page.goto(request.url.toString());
        await expectConsentIn(byParam.page, lang);
        await screenshot(byParam.page, file, `consent-${lang}-ui_locales`);
      } finally {
        await byParam.context.close();
      }

      // Without ui_locales, the browser's language (Accept-Language) decides.
      const byHeader = await newPerson(browser, { locale: browserLocales[lang] });
      try {
        const request = await authorizationRequest(partner, { scope: 'openid profile email' });
        const seen = byHeader.page.waitForRequest((r) => r.url().startsWith(`${sesame.url}/oidc/auth`));
        await byHeader.page.goto(request.url.toString());
        expect(await (await seen).headerValue('accept-language')).toMatch(new RegExp(`^${browserLocales[lang]}`));
        await expectConsentIn(byHeader.page, lang);
        await screenshot(byHeader.page, file, `consent-${lang}-accept-language`);
      } finally {
        await byHeader.context.close();
      }
    });
  }
});

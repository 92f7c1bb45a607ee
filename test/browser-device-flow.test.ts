import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fr } from '../src/i18n/locales/fr.ts';
import { ja } from '../src/i18n/locales/ja.ts';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow } from './support/consent.ts';
import { relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The device flow (RFC 8628) as a person lives it in chromium: a TV app (openid-client, in this process) shows a
 * code, the person opens the verification page on their phone or laptop, types or follows the code, confirms the
 * device, signs in and consents; the TV's polling then gets tokens that work at userinfo.
 */
const file = import.meta.filename;
let browser: Browser;
let sesame: TestSesame;
let tv: RelyingParty;
let ada: { login: string; password: string };

beforeAll(async () => {
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_DEVICE_POLL_INTERVAL: '1' })]);
  const user = await sesame.createUser({ username: 'ada-tv', name: 'Ada Lovelace' });
  ada = { login: user.username, password: user.password };
  const app = await sesame.createApp({ name: 'Partner TV', type: 'native', third_party: true, device_flow: true });
  await sesame.sesame.db.updateTable('applications').set({ display_name: 'Partner Streaming' }).where('id', '=', app.clientId).execute();
  await allow(sesame, app.clientId, ['profile']);
  tv = await relyingParty(sesame, app, 'http://127.0.0.1/unused');
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('device flow in a browser', () => {
  it('follows verification_uri_complete, confirms the device, signs in and consents; the TV gets tokens for userinfo', async () => {
    const device = await client.initiateDeviceAuthorization(tv.config, { scope: 'openid profile' });
    const polling = client.pollDeviceAuthorizationGrant(tv.config, device);
    const { context, page } = await newPerson(browser);
    try {
      await page.goto(device.verification_uri_complete!);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Is this the device you want to sign in?');
      await expect(page.locator('code.key').textContent()).resolves.toBe(device.user_code);
      expect(await page.textContent('main')).toContain('Partner Streaming');
      await screenshot(page, file, 'confirm-en');
      await page.getByRole('button', { name: 'Yes, sign in the device', exact: true }).click();
      await signInOnPage(page, ada);
      await page.getByRole('button', { name: 'Authorize', exact: true }).waitFor();
      expect(await page.textContent('main')).toContain('The device that showed you the code will get this access.');
      await screenshot(page, file, 'consent-en');
      await page.getByRole('button', { name: 'Authorize', exact: true }).click();
      await page.getByRole('heading', { name: 'Your device is signed in' }).waitFor();
      await screenshot(page, file, 'success-en');

      const tokens = await polling;
      const info = await client.fetchUserInfo(tv.config, tokens.access_token, tokens.claims()!.sub);
      expect(info).toMatchObject({ preferred_username: ada.login, name: 'Ada Lovelace' });
    } finally {
      await context.close();
    }
  });

  it('speaks French from Accept-Language: the code typed by hand, the device refused, access_denied for the TV', async () => {
    const device = await client.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const polling = client.pollDeviceAuthorizationGrant(tv.config, device).catch((error: unknown) => error);
    const { context, page } = await newPerson(browser, { locale: 'fr-FR' });
    try {
      await page.goto(device.verification_uri);
      await page.getByRole('heading', { name: fr['device.title'] }).waitFor();
      await page.getByLabel(fr['device.code'], { exact: true }).fill(device.user_code.replace('-', '').toLowerCase());
      await page.getByRole('button', { name: fr['device.continue'], exact: true }).click();
      await page.getByRole('heading', { name: fr['device.confirm.title'] }).waitFor();
      await screenshot(page, file, 'confirm-fr');
      await page.getByRole('button', { name: fr['device.confirm.no'], exact: true }).click();
      await page.getByRole('heading', { name: fr['device.denied.title'] }).waitFor();
      expect(await polling).toMatchObject({ error: 'access_denied' });
    } finally {
      await context.close();
    }
  });

  it('speaks Japanese from ui_locales, and says so when the code is wrong', async () => {
    const { context, page } = await newPerson(browser);
    try {
      await page.goto(`${sesame.url}/oidc/device?ui_locales=ja`);
      await page.getByRole('heading', { name: ja['device.title'] }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      await page.getByLabel(ja['device.code'], { exact: true }).fill('WXYZ-WXYZ');
      await page.getByRole('button', { name: ja['device.continue'], exact: true }).click();
      await page.getByRole('alert').filter({ hasText: ja['device.wrongCode'] }).waitFor();
      expect(await page.getByLabel(ja['device.code'], { exact: true }).inputValue()).toBe('WXYZ-WXYZ');
      await screenshot(page, file, 'wrong-code-ja');
    } finally {
      await context.close();
    }
  });
});

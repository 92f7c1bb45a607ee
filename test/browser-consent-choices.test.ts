import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptRedirects, launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow } from './support/consent.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The person shapes the grant, in a real browser (issue 15 §3): the consent screen's "how long" choice, and on
 * /account how soon revoking bites, until when a consent lasts, and one permission taken back.
 */
const file = import.meta.filename;
const redirectUri = 'https://partner.example.com/callback';

let browser: Browser;
let sesame: TestSesame;
let partner: RelyingParty;
let person: { id: string; login: string; password: string };

beforeAll(async () => {
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  const user = await sesame.createUser({ username: 'iris', name: 'Iris Chang', email: 'iris@example.com' });
  person = { id: user.id, login: user.username, password: user.password };
  const app = await sesame.createApp({ name: 'Partner Notes', type: 'traditional', third_party: true, redirect_uris: [redirectUri], consent_durations: true });
  await allow(sesame, app.clientId, ['profile', 'email']);
  partner = await relyingParty(sesame, app, redirectUri);
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('consent choices in a browser', () => {
  it('chooses "for 30 days" on the consent screen, then takes the email address back on /account', async () => {
    const { context, page } = await newPerson(browser);
    const app = await interceptRedirects(context, redirectUri);
    const request = await authorizationRequest(partner, { scope: 'openid profile email offline_access' });
    await app.open(page, request.url.toString());
    await signInOnPage(page, person);

    const authorize = page.getByRole('button', { name: 'Authorize', exact: true });
    await authorize.waitFor();
    await page.getByRole('group', { name: 'Remember my choice' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Until I revoke it' }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: 'For 30 days' }).check();
    await screenshot(page, file, 'consent-durations');
    await authorize.click();
    const callback = await app.next();
    // The app's page loads before the person goes on to /account in the same tab.
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const tokens = await exchangeCode(partner, request, callback);
    expect((await client.fetchUserInfo(partner.config, tokens.access_token, person.id)).email).toBe('iris@example.com');

    await page.goto(`${sesame.url}/account`);
    const entry = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Partner Notes' }) });
    await entry.waitFor();
    expect(await entry.getByText(/^Allowed until /).isVisible()).toBe(true);
    expect(await entry.getByText('Revoking takes effect at once.').isVisible()).toBe(true);
    await expect.poll(async () => (await page.reload(), await entry.getByText(/^Last used on /).count())).toBe(1);
    await screenshot(page, file, 'account-connected-app');

    await entry.getByRole('button', { name: 'Remove “Your email address” from Partner Notes' }).click();
    await page.getByRole('status').filter({ hasText: 'Partner Notes no longer has this permission: Your email address.' }).waitFor();
    expect(await entry.locator('.permission-label').allTextContents()).not.toContain('Your email address');
    expect(await entry.locator('.permission-label').allTextContents()).toContain('Your name and basic profile');
    await screenshot(page, file, 'account-permission-removed');
    await expect(client.refreshTokenGrant(partner.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await context.close();
  });
});

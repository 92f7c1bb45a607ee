import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { apiClient, managementToken } from './support/management.ts';
import { enrolTotpOverHttp } from './support/mfa.ts';
import { relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** Second factors in the admin console: a user's factors and their reset, and the policy on the sign-in experience. */
const file = import.meta.filename;
let browser: Browser;
let sesame: TestSesame;

beforeAll(async () => {
  if (!existsSync(path.resolve('console/dist/index.html'))) {
    throw new Error('console/dist is missing: run `npm run build:console` (npm test builds it first)');
  }
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('the console', () => {
  it('shows a user\'s second factors, resets them, and sets the policy', async () => {
    const admin = await sesame.createUser({ username: 'ops', admin: true });
    const user = await sesame.createUser({ username: 'margaret', name: 'Margaret Hamilton' });
    const app = await sesame.createApp({ name: 'App', type: 'traditional', redirect_uris: ['https://app.example.com/cb'] });
    await enrolTotpOverHttp(sesame.url, await relyingParty(sesame, app, 'https://app.example.com/cb'), user);

    const { page } = await newPerson(browser, { viewport: { width: 1280, height: 900 } });
    await page.goto(`${sesame.url}/console/users/${user.id}`);
    await signInOnPage(page, { login: admin.username, password: admin.password });
    const card = page.getByRole('region', { name: 'Two-step verification' });
    await card.getByText(/^On since/).waitFor();
    expect(await card.getByText('10 of 10 left').isVisible()).toBe(true);
    await screenshot(page, file, 'user-factors');

    await card.getByRole('button', { name: 'Reset two-step verification' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset' }).click();
    await page.getByText('Two-step verification of margaret was reset').waitFor();
    await card.getByText('Not set up').waitFor();

    await page.getByRole('link', { name: 'Sign-in experience' }).click();
    await page.getByLabel('Two-step verification').selectOption('everyone');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Sign-in experience saved').waitFor();
    await screenshot(page, file, 'policy');
    const api = apiClient(sesame, await managementToken(sesame));
    expect((await api('GET', '/api/sign-in-experience')).body.mfa_policy).toBe('everyone');
    const events = await api('GET', `/api/audit-events?user_id=${user.id}&type=mfa.reset`);
    expect(events.body.data[0].details.by).toBe('admin');
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptRedirects, launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow } from './support/consent.ts';
import { openConsolePage, requireConsoleBuild, saveWith, signedInAdmin, type ConsoleAdmin } from './support/console.ts';
import { authorizationRequest, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * Issue 15 §4 in the browser: an admin pre-approves permissions in the app's Consent tab, a person sees them marked
 * and fixed on the consent screen, and the tab counts who granted what and downloads the CSV.
 */
const file = import.meta.filename;
const redirectUri = 'https://partner.example.com/callback';

let browser: Browser;
let sesame: TestSesame;
let admin: ConsoleAdmin;

beforeAll(async () => {
  requireConsoleBuild();
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_LOG_LEVEL: 'warn' })]);
  admin = await signedInAdmin(browser, sesame);
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('admin consent in the console and on the consent screen', () => {
  it('pre-approves profile, the person sees it marked, and the report counts them', async () => {
    const app = await sesame.createApp({ name: 'Photo Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
    await allow(sesame, app.clientId, ['profile', 'email']);
    const { page } = admin;
    await openConsolePage(page, sesame, `/applications/${app.clientId}/consent`, 'Photo Partner');
    await page.getByLabel('Pre-approve profile').check();
    await saveWith(page, 'Save consent settings', 'Consent settings saved');
    expect((await sesame.sesame.db.selectFrom('applications').select('preapproved_scopes').where('id', '=', app.clientId).executeTakeFirstOrThrow()).preapproved_scopes).toEqual(['profile']);
    await screenshot(page, file, '01-consent-tab');

    const user = await sesame.createUser();
    const person = await newPerson(browser);
    const rp = await relyingParty(sesame, app, redirectUri);
    const partner = await interceptRedirects(person.context, redirectUri);
    await partner.open(person.page, (await authorizationRequest(rp, { scope: 'openid profile email' })).url.toString());
    await signInOnPage(person.page, { login: user.username, password: user.password });
    const profile = person.page.getByRole('checkbox', { name: /Your name and basic profile/ });
    await expect.poll(() => profile.count()).toBe(1);
    expect(await profile.isChecked()).toBe(true);
    expect(await profile.isDisabled()).toBe(true);
    expect(await person.page.getByText('approved by your organization').count()).toBe(1);
    expect(await person.page.getByRole('checkbox', { name: /email/i }).isDisabled()).toBe(false);
    await screenshot(person.page, file, '02-consent-screen-preapproved');
    await person.page.getByRole('button', { name: 'Authorize' }).click();
    expect((await partner.next()).searchParams.get('code')).toBeTruthy();
    await person.context.close();

    await page.reload();
    await expect.poll(() => page.getByText('1 user has connected Photo Partner').count()).toBe(1);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe(`${app.clientId}-consent-report.csv`);
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile((await saved.path())!, 'utf8');
    expect(csv).toContain('Photo Partner,');
    expect(csv).toMatch(/,profile,,profile,,1,true/);
    expect(csv).toMatch(/,email,,email,,1,false/);
  });
});

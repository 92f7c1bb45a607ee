import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './support/browser.ts';
import { openConsolePage, requireConsoleBuild, saveWith, signedInAdmin, toast, type ConsoleAdmin } from './support/console.ts';
import { apiClient, clientCredentials } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * An app's Management API access, set in its Settings: offered to first-party and m2m apps with what it grants,
 * never to third-party apps; granting it lets an m2m app manage Sesame, withdrawing it refuses its tokens at once.
 */
const file = import.meta.filename;

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

const managementAccessOf = async (id: string) => (await sesame.sesame.db.selectFrom('applications').select('management_access').where('id', '=', id).executeTakeFirstOrThrow()).management_access;

async function managementTokenFor(app: { clientId: string; clientSecret: string }) {
  const response = await clientCredentials(sesame, app, { resource: `${sesame.url}/api`, scope: 'management' });
  return { status: response.status, body: await response.json() as { access_token?: string; scope?: string; error?: string } };
}

describe('Management API access in an app’s settings', () => {
  it('an m2m app gets it from the toggle, with what it grants said, and loses it at once', async () => {
    const { page } = admin;
    const app = await sesame.createApp({ name: 'Nightly sync', type: 'm2m' }) as { clientId: string; clientSecret: string };
    // Without management access, client credentials for the Management API are refused (no token, RFC 6749 §5.2).
    const refused = await managementTokenFor(app);
    expect([refused.status, refused.body.error, refused.body.access_token]).toEqual([400, 'invalid_scope', undefined]);

    await openConsolePage(page, sesame, `/applications/${app.clientId}/settings`, 'Nightly sync');
    const toggle = page.getByRole('checkbox', { name: 'Management API access' });
    expect(await toggle.isChecked()).toBe(false);
    const explanation = await page.getByRole('region', { name: 'Management API' }).textContent();
    expect(explanation).toContain(`${sesame.url}/api`);
    expect(explanation).toContain('scope management');
    expect(explanation).toMatch(/do everything an admin can/);
    await toggle.check();
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await managementAccessOf(app.clientId)).toBe(true);
    await screenshot(page, file, '01-m2m-management-access');

    const granted = await managementTokenFor(app);
    expect(granted.body.scope?.split(' ')).toContain('management');
    const api = apiClient(sesame, granted.body.access_token);
    expect((await api('GET', '/api/applications')).status).toBe(200);

    await toggle.uncheck();
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await managementAccessOf(app.clientId)).toBe(false);
    expect((await api('GET', '/api/applications')).status).toBe(403);
  });

  it('a first-party app is offered it for its signed-in admins; a third-party app is not offered it', async () => {
    const { page } = admin;
    const own = await sesame.createApp({ name: 'Ops dashboard', type: 'spa', redirect_uris: ['https://ops.example.com/cb'] });
    await openConsolePage(page, sesame, `/applications/${own.clientId}/settings`, 'Ops dashboard');
    expect(await page.getByRole('region', { name: 'Management API' }).textContent()).toMatch(/Admins who sign in to this app get access tokens for Sesame’s Management API.*Other users never get one/);
    await page.getByRole('checkbox', { name: 'Management API access' }).check();
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await managementAccessOf(own.clientId)).toBe(true);

    const partner = await sesame.createApp({ name: 'Partner app', type: 'spa', third_party: true, redirect_uris: ['https://partner.example.com/cb'] });
    await openConsolePage(page, sesame, `/applications/${partner.clientId}/settings`, 'Partner app');
    await expect.poll(() => page.getByRole('button', { name: 'Save changes' }).count()).toBe(1);
    expect(await page.getByRole('checkbox', { name: 'Management API access' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Management API' }).count()).toBe(0);
    // Saving a third-party app's settings sends no management access at all.
    await page.getByLabel('Description').fill('A partner');
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await managementAccessOf(partner.clientId)).toBe(false);
  });
});

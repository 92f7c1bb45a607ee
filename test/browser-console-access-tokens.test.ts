import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from './support/browser.ts';
import { allow, giveRole } from './support/consent.ts';
import { openConsolePage, requireConsoleBuild, saveWith, signedInAdmin, type ConsoleAdmin } from './support/console.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * An app's access-token settings in the console: its default API resource (for clients that send no `resource`),
 * refused in words when the app may not use it, and whether it must use DPoP.
 */
const file = import.meta.filename;
const tools = { name: 'Agent tools', indicator: 'https://tools.example.com/mcp', scopes: ['tools:call'] };

let browser: Browser;
let sesame: TestSesame;
let admin: ConsoleAdmin;

beforeAll(async () => {
  requireConsoleBuild();
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_LOG_LEVEL: 'warn' })]);
  admin = await signedInAdmin(browser, sesame);
  const user = await sesame.createUser();
  await giveRole(sesame, user.id, tools, ['tools:call']);
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

const settingsOf = (id: string) => sesame.sesame.db.selectFrom('applications')
  .select(['default_resource', 'dpop_bound_access_tokens']).where('id', '=', id).executeTakeFirstOrThrow();

describe('Access tokens in an app’s settings', () => {
  it('sets a default API resource the app may use, refusing it in words until then, and requires DPoP', async () => {
    const { page } = admin;
    const app = await sesame.createApp({ name: 'Desk agent', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
    await openConsolePage(page, sesame, `/applications/${app.clientId}/settings`, 'Desk agent');
    const select = page.getByLabel('Default API resource');
    await expect.poll(() => select.locator('option').count()).toBe(2);
    await select.selectOption(tools.indicator);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const region = page.getByRole('region', { name: 'Access tokens' });
    await expect.poll(() => region.textContent()).toMatch(/Default API resource "https:\/\/tools\.example\.com\/mcp" is not one this app may use: allow at least one of its scopes in the app's Permissions first\./);
    expect((await settingsOf(app.clientId)).default_resource).toBeNull();
    await screenshot(page, file, '01-default-resource-refused');

    await allow(sesame, app.clientId, [], [{ indicator: tools.indicator, scope: 'tools:call' }]);
    await page.getByRole('checkbox', { name: 'Require DPoP' }).check();
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await settingsOf(app.clientId)).toEqual({ default_resource: tools.indicator, dpop_bound_access_tokens: true });

    await select.selectOption('');
    await page.getByRole('checkbox', { name: 'Require DPoP' }).uncheck();
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await settingsOf(app.clientId)).toEqual({ default_resource: null, dpop_bound_access_tokens: false });
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { cliWith } from './support/cli.ts';
import { requireConsoleBuild, signedInAdmin, type ConsoleAdmin } from './support/console.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** The console's registration panel: the default permissions a new dynamic app gets, set and refused as an admin does. */
let browser: Browser;
let sesame: TestSesame;
let admin: ConsoleAdmin;
const { json } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  requireConsoleBuild();
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_LOG_LEVEL: 'warn' })]);
  admin = await signedInAdmin(browser, sesame);
  await json('resources', 'create', '--name', 'Docs MCP', '--indicator', 'https://docs.example.com/mcp', '--scope', 'docs:read');
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('the registration panel', () => {
  it('saves default API permissions and user data scopes, and says which scope is not registered', async () => {
    const { page } = admin;
    await page.goto(`${sesame.url}/console/applications?tab=third-party`);
    const form = page.getByRole('form', { name: 'Registration settings' });
    await form.getByLabel('Default API permissions').fill('https://docs.example.com/mcp#docs:write');
    await form.getByRole('button', { name: 'Save registration settings' }).click();
    await expect.poll(() => form.getByText(/names no registered scope/).count()).toBeGreaterThan(0);

    await form.getByLabel('Default API permissions').fill('https://docs.example.com/mcp#docs:read');
    await form.getByLabel('Default user data scopes').fill('profile email');
    await form.getByRole('button', { name: 'Save registration settings' }).click();
    await expect.poll(async () => (await json('registration', 'show')).default_resource_scopes)
      .toEqual([{ indicator: 'https://docs.example.com/mcp', scope: 'docs:read' }]);
    expect((await json('registration', 'show')).default_user_scopes).toEqual(['profile', 'email']);
  });
});

import { existsSync } from 'node:fs';
import path from 'node:path';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { apiClient, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The console's Permissions tab for a machine-to-machine app (issue 12 §2), in Debian's chromium: the admin allows
 * the app scopes of an API resource, and its client-credentials tokens then carry them.
 */
const file = import.meta.filename;
const indicator = 'https://billing.example.com';

let browser: Browser;
let sesame: TestSesame;
let admin: { username: string; password: string };
let robot: { clientId: string; clientSecret: string };

beforeAll(async () => {
  if (!existsSync(path.resolve('console/dist/index.html'))) {
    throw new Error('console/dist is missing: run `npm run build:console` (npm test builds it first)');
  }
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  admin = { username: 'ops-admin', password: 'a long admin passphrase' };
  await sesame.createUser({ ...admin, admin: true });
  const api = apiClient(sesame, await managementToken(sesame));
  expect((await api('POST', '/api/resources', { name: 'Billing API', indicator, scopes: [{ name: 'invoices:read', description: 'Read invoices' }, { name: 'invoices:write' }] })).status).toBe(201);
  const app = await sesame.createApp({ name: 'Invoice sync', type: 'm2m' });
  robot = { clientId: app.clientId, clientSecret: app.clientSecret! };
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('the Permissions tab of an m2m app', () => {
  it('allows API resource scopes, which the app\'s client-credentials tokens then carry', async () => {
    const { context, page } = await newPerson(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${sesame.url}/console/applications/${encodeURIComponent(robot.clientId)}/settings`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await signInOnPage(page, { login: admin.username, password: admin.password });
      await expect.poll(() => page.getByRole('heading', { name: 'Invoice sync', level: 1 }).count()).toBe(1);

      await page.getByRole('tab', { name: 'Permissions' }).click();
      await expect.poll(() => page.getByRole('heading', { name: 'API resource permissions' }).count()).toBe(1);
      // It acts for no user: no user data to allow.
      expect(await page.getByRole('heading', { name: 'User data' }).count()).toBe(0);
      expect(await page.getByRole('tab', { name: 'Branding' }).count()).toBe(0);

      await page.getByRole('button', { name: 'Add permissions' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add API resource permissions' });
      await dialog.getByRole('checkbox', { name: 'invoices:read' }).check();
      await dialog.getByRole('button', { name: /^Add/ }).click();
      await expect.poll(() => page.getByRole('row').filter({ hasText: 'invoices:read' }).count()).toBe(1);
      await screenshot(page, file, 'm2m-permissions');
    } finally {
      await context.close();
    }

    const config = await client.discovery(new URL(sesame.url), robot.clientId, robot.clientSecret, client.ClientSecretBasic(robot.clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config, { resource: indicator, scope: 'invoices:read invoices:write' });
    expect(tokens.scope).toBe('invoices:read');
  });
});

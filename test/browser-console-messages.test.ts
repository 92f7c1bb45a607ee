import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fr } from '../src/i18n/locales/fr.ts';
import { ja } from '../src/i18n/locales/ja.ts';
import { launchBrowser, newPerson, screenshot, signInOnPage, type SignInLabels } from './support/browser.ts';
import { allow } from './support/consent.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * In chromium: the console shows the server's messages next to the fields they are about, written for a person
 * and naming the field as the form labels it; an admin translates a scope's description on the API resource page,
 * and people reading the consent screen in French and in Japanese see it in their language.
 */
const file = import.meta.filename;
const partnerRedirect = 'https://partner.example.com/cb';

let browser: Browser;
let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let admin: { context: BrowserContext; page: Page };
let ids: { app: string; partner: string; resource: string; indicator: string };
let reader: { id: string; username: string; password: string };

beforeAll(async () => {
  if (!existsSync(path.resolve('console/dist/index.html'))) {
    throw new Error('console/dist is missing: run `npm run build:console` (npm test builds it first)');
  }
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  api = apiClient(sesame, await managementToken(sesame));
  const app = await sesame.createApp({ name: 'Inventory', type: 'traditional', redirect_uris: ['https://inventory.example.com/cb'] });
  const partner = await sesame.createApp({ name: 'Partner Notes', type: 'traditional', third_party: true, redirect_uris: [partnerRedirect] });
  const resource = await api('POST', '/api/resources', { name: 'Notes API', indicator: 'https://notes.example.com', scopes: [{ name: 'notes:read', description: 'Read your notes' }] });
  ids = { app: app.clientId, partner: partner.clientId, resource: resource.body.id, indicator: resource.body.indicator };
  reader = await sesame.createUser({ username: 'reader', name: 'Rea Der' });
  const role = await api('POST', '/api/roles', { name: 'Readers', scope_ids: [resource.body.scopes[0].id] });
  await api('POST', `/api/roles/${role.body.id}/users`, { user_ids: [reader.id] });
  await allow(sesame, partner.clientId, [], [{ indicator: ids.indicator, scope: 'notes:read' }]);

  const credentials = { username: 'console-admin', password: 'a long admin passphrase' };
  await sesame.createUser({ ...credentials, admin: true });
  admin = await newPerson(browser, { viewport: { width: 1280, height: 900 } });
  await admin.page.goto(`${sesame.url}/console`);
  await signInOnPage(admin.page, { login: credentials.username, password: credentials.password });
  await admin.page.waitForURL((url) => url.pathname === '/console/applications');
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

const jargon = /expected|received|>=|<=|too (small|big)|invalid input|nonoptional|_url|_days|_translations/i;

/** The message shown with a field (its aria-describedby hint and error), once the field is marked invalid. */
async function messageAt(page: Page, label: string): Promise<string> {
  const field = page.getByLabel(label, { exact: true });
  await expect.poll(() => field.getAttribute('aria-invalid'), { message: `${label} is marked invalid` }).toBe('true');
  const described = (await field.getAttribute('aria-describedby'))!.split(' ');
  const texts = await Promise.all(described.map((id) => page.locator(`[id="${id}"].field-error`).allTextContents()));
  return texts.flat().join(' ');
}

async function toast(page: Page, text: string | RegExp) {
  await expect.poll(() => page.getByRole('status').filter({ hasText: text }).count()).toBeGreaterThan(0);
}

describe('console forms', () => {
  it('show a message for a person next to the field it is about', async () => {
    const { page } = admin;
    await page.goto(`${sesame.url}/console/applications/${encodeURIComponent(ids.app)}/settings`);
    await page.getByLabel('Refresh token lifetime (days)', { exact: true }).fill('1.5');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const lifetime = await messageAt(page, 'Refresh token lifetime (days)');
    expect(lifetime).toBe('Refresh token lifetime (days) must be a whole number.');
    await screenshot(page, file, 'settings-field-message');
    await page.getByLabel('Refresh token lifetime (days)', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => messageAt(page, 'Refresh token lifetime (days)')).toBe('Refresh token lifetime (days) must be at least 1.');

    await page.goto(`${sesame.url}/console/applications/${encodeURIComponent(ids.partner)}/branding`);
    await page.getByLabel('Logo URL', { exact: true }).fill('javascript:alert(1)');
    await page.getByLabel('Terms of use URL', { exact: true }).fill('http://partner.example.com/terms');
    await page.getByRole('button', { name: 'Save branding' }).click();
    const logo = await messageAt(page, 'Logo URL');
    const terms = await messageAt(page, 'Terms of use URL');
    expect(logo).toMatch(/^Logo URL must be an absolute https URL/);
    expect(terms).toMatch(/^Terms of use URL must use https/);
    for (const message of [lifetime, logo, terms]) expect(message).not.toMatch(jargon);
    await screenshot(page, file, 'branding-field-messages');
  });
});

describe('scope descriptions in every language', () => {
  it('are edited on the API resource page, each message at its language\'s field', async () => {
    const { page } = admin;
    await page.goto(`${sesame.url}/console/resources/${encodeURIComponent(ids.resource)}`);
    await page.getByRole('button', { name: 'Edit scope notes:read' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit scope notes:read' });
    expect(await dialog.getByLabel('Scope description', { exact: true }).inputValue()).toBe('Read your notes');
    await dialog.getByLabel('Description in French', { exact: true }).fill('Lire vos notes');
    await dialog.getByLabel('Description in Japanese', { exact: true }).fill('メモを読む');
    await dialog.getByLabel('Description in Korean', { exact: true }).fill('메'.repeat(1025));
    await dialog.getByRole('button', { name: 'Save scope' }).click();
    expect(await messageAt(page, 'Description in Korean')).toBe('Description in Korean must be at most 1024 characters.');
    expect(await dialog.getByLabel('Description in French', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, file, 'scope-translation-message');

    await dialog.getByLabel('Description in Korean', { exact: true }).fill('');
    await dialog.getByRole('button', { name: 'Save scope' }).click();
    await toast(page, 'Scope notes:read saved');
    const row = page.getByRole('row').filter({ hasText: 'notes:read' });
    await expect.poll(() => row.textContent()).toContain('Français, 日本語');
    await screenshot(page, file, 'scope-translations');

    const stored = await api('GET', `/api/resources/${ids.resource}`);
    expect(stored.body.scopes[0].description_translations).toEqual({ fr: 'Lire vos notes', ja: 'メモを読む' });
  });

  const languages: [string, SignInLabels & Record<string, string>, string][] = [
    ['fr-FR', fr, 'Lire vos notes'],
    ['ja-JP', ja, 'メモを読む'],
  ];
  for (const [locale, words, description] of languages) {
    it(`show on the consent screen in ${locale}`, async () => {
      const { context, page } = await newPerson(browser, { locale });
      try {
        const rp = await relyingParty(sesame, { clientId: ids.partner }, partnerRedirect);
        const request = await authorizationRequest(rp, { scope: 'openid notes:read', resource: ids.indicator });
        await page.goto(request.url.toString());
        await signInOnPage(page, { login: reader.username, password: reader.password }, words);
        await page.getByRole('button', { name: words['consent.authorize'], exact: true }).waitFor();
        const group = page.getByRole('group', { name: words['consent.resource']!.replace('{resource}', 'Notes API') });
        expect(await group.getByRole('checkbox', { name: description, exact: true }).isChecked()).toBe(true);
        expect(await page.locator('body').textContent()).not.toContain('Read your notes');
        await screenshot(page, file, `consent-${locale}`);
      } finally {
        await context.close();
      }
    });
  }
});

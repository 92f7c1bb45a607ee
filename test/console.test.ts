import { existsSync } from 'node:fs';
import path from 'node:path';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { launchBrowser, loopbackListener, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { saveWith } from './support/console.ts';
import { apiClient } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, signIn } from './support/relying-party.ts';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * The admin console (console/, a React SPA served at /console) in Debian's chromium against a live Sesame:
 * first-run setup, the seeds' path through Applications for a third-party app and what a user then sees,
 * client secrets, and who may not get in. `npm test` builds console/dist first (scripts/test.ts).
 */
const file = import.meta.filename;
const notesAssets = {
  light: '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" rx="10" fill="#0ea5e9"/></svg>',
  dark: '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" rx="10" fill="#fde047"/></svg>',
};
const branding = {
  displayName: 'Notes Desktop',
  logo: 'https://notes.example.com/logo-light.svg',
  darkLogo: 'https://notes.example.com/logo-dark.svg',
  terms: 'https://notes.example.com/terms',
  privacy: 'https://notes.example.com/privacy',
};

let browser: Browser;
let sesame: TestSesame;
let logs: ReturnType<typeof captureLogs>;
/** What Sesame printed for the operator (the setup link). */
const printed: string[] = [];
let admin: { username: string; password: string };
/** The admin's own browser, signed in to the console once and used across the tests. */
let console_: { context: BrowserContext; page: Page };
let nativeListener: Awaited<ReturnType<typeof loopbackListener>>;

beforeAll(async () => {
  if (!existsSync(path.resolve('console/dist/index.html'))) {
    throw new Error('console/dist is missing: run `npm run build:console` (npm test builds it first)');
  }
  logs = captureLogs();
  [browser, sesame, nativeListener] = await Promise.all([
    launchBrowser(),
    startTestSesame({ SESAME_LOG_LEVEL: 'warn' }, { logger: logs.logger, print: (text) => { printed.push(text); } }),
    loopbackListener(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await nativeListener?.close();
  await sesame?.stop();
});

/** A person's browser whose requests to the made-up partner origin are answered with its logos. */
async function person(options: Parameters<typeof newPerson>[1] = {}) {
  const { context, page } = await newPerson(browser, options);
  await context.route('https://notes.example.com/**', (route) => {
    const dark = route.request().url().endsWith('logo-dark.svg');
    return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: dark ? notesAssets.dark : notesAssets.light });
  });
  return { context, page };
}

/** Opens the console; signs in on Sesame's page when the browser has no Sesame session yet. */
async function openConsole(page: Page, credentials: { username: string; password: string }) {
  await page.goto(`${sesame.url}/console`);
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/') || url.pathname.startsWith('/console/applications'));
  if (new URL(page.url()).pathname.startsWith('/interaction/')) {
    await signInOnPage(page, { login: credentials.username, password: credentials.password });
  }
}

async function toast(page: Page, text: string | RegExp) {
  await expect.poll(() => page.getByRole('status').filter({ hasText: text }).count()).toBeGreaterThan(0);
}

describe('the admin console', () => {
  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      if (console_) await screenshot(console_.page, file, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
    });
  });

  it('first run: the one-time setup link creates the first admin, who is then signed in to the console', async () => {
    const setupUrl = /(\S+\/console\/setup\?token=\S+)/.exec(printed.join(''))?.[1];
    admin = { username: 'root-admin', password: 'a long admin passphrase' };
    console_ = await person({ viewport: { width: 1280, height: 900 } });
    const { page } = console_;
    if (setupUrl) {
      await page.goto(setupUrl);
      await expect.poll(() => page.getByRole('heading', { name: 'Create the first admin' }).count()).toBe(1);
      await page.getByLabel('Username', { exact: true }).fill(admin.username);
      await page.getByLabel('Email', { exact: true }).fill('root@example.com');
      await page.getByLabel('Password', { exact: true }).fill(admin.password);
      await screenshot(page, file, '01-setup');
      // Creating the admin signs them in: the console opens without asking again for the password just chosen,
      // and neither it nor anything else travels in a URL.
      const urls: string[] = [];
      page.on('request', (request) => urls.push(request.url()));
      await page.getByRole('button', { name: 'Create admin' }).click();
      await page.waitForURL((url) => url.pathname === '/console/applications');
      expect(urls.filter((url) => new URL(url).pathname.endsWith('/login'))).toEqual([]);
      expect(urls.filter((url) => url.includes(encodeURIComponent(admin.password)) || url.includes(admin.password))).toEqual([]);

      // The link worked once: opened again, it is refused.
      const again = await fetch(setupUrl);
      expect(again.status).toBe(410);
    } else {
      // The server printed no setup link (an admin existed): make one the way an operator's CLI would.
      await sesame.createUser({ ...admin, admin: true });
      await openConsole(page, admin);
    }
    await page.waitForURL((url) => url.pathname === '/console/applications');
    await expect.poll(() => page.getByRole('heading', { name: 'Applications', level: 1 }).count()).toBe(1);
    await expect.poll(() => page.getByRole('tab', { name: 'My apps' }).getAttribute('aria-selected')).toBe('true');
    await screenshot(page, file, '02-applications');
  });

  it('an admin sets up a third-party native app; a user then sees the consent screen exactly as configured', async () => {
    const { page } = console_;
    await page.getByRole('tab', { name: 'Third-party apps' }).click();
    await expect.poll(() => page.getByText('No third-party apps yet').count()).toBe(1);
    await page.getByRole('button', { name: 'Create application' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create application' });
    await dialog.getByRole('group', { name: 'Third-party app' }).getByRole('radio', { name: 'Third-party Native' }).check();
    await dialog.getByLabel('Application name').fill('Desktop Notes');
    await dialog.getByLabel('Description').fill('The Notes desktop app by our partner');
    await screenshot(page, file, '03-create-third-party-native');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();

    // Lands on the details page, Guide tab; the redirect URIs are set under Settings.
    await page.waitForURL((url) => /^\/console\/applications\/[^/]+\/guide$/.test(url.pathname));
    await expect.poll(() => page.getByRole('heading', { name: 'Desktop Notes', level: 1 }).count()).toBe(1);
    await expect.poll(() => page.getByRole('tab', { name: 'Guide' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('tab', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');

    // Two redirect URIs, the second wrong at first: the server's message appears at that field.
    await page.getByLabel('Redirect URIs 1', { exact: true }).fill('http://127.0.0.1/callback');
    await page.getByRole('button', { name: 'Add another' }).first().click();
    await page.getByLabel('Redirect URIs 2', { exact: true }).fill('com.example.notes:/callback#fragment');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByLabel('Redirect URIs 2', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Redirect URIs 1', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, file, '04-redirect-uri-error');
    await page.getByLabel('Redirect URIs 2', { exact: true }).fill('com.example.notes:/callback');
    await saveWith(page, 'Save changes', 'Settings saved');
    expect(await page.getByLabel('Redirect URIs 2', { exact: true }).getAttribute('aria-invalid')).toBeNull();

    const clientId = decodeURIComponent(new URL(page.url()).pathname.split('/')[3]!);
    const stored = await sesame.sesame.db.selectFrom('applications').select(['redirect_uris', 'third_party', 'type']).where('id', '=', clientId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ third_party: true, type: 'native', redirect_uris: ['http://127.0.0.1/callback', 'com.example.notes:/callback'] });

    // Endpoints & credentials: the issuer and the discovery URL, and the rest behind Show endpoint details.
    await page.getByRole('tab', { name: 'Endpoints & credentials' }).click();
    expect(await page.getByLabel('Client ID', { exact: true }).inputValue()).toBe(clientId);
    expect(await page.getByLabel('Issuer', { exact: true }).inputValue()).toBe(sesame.url);
    expect(await page.getByLabel('Discovery endpoint', { exact: true }).inputValue()).toBe(`${sesame.url}/.well-known/openid-configuration`);
    expect(await page.getByLabel('Token endpoint', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show endpoint details' }).click();
    expect(await page.getByLabel('Token endpoint', { exact: true }).inputValue()).toMatch(/\/oidc\/token$/);
    await screenshot(page, file, '05-endpoints');

    // Permissions: profile and email, with the words the user will read.
    await page.getByRole('tab', { name: 'Permissions' }).click();
    for (const scope of ['profile', 'email']) {
      // Checked once the server has saved it (a loaded machine may take a while): click, then wait for the state.
      await page.getByRole('checkbox', { name: scope, exact: true }).click();
      await expect.poll(() => page.getByRole('checkbox', { name: scope, exact: true }).isChecked()).toBe(true);
    }
    await expect.poll(() => page.getByText('Your email address').count()).toBeGreaterThan(0);
    await screenshot(page, file, '06-permissions');

    // Branding, previewed live before it is saved.
    await page.getByRole('tab', { name: 'Branding' }).click();
    await page.getByLabel('Display name').fill(branding.displayName);
    await page.getByLabel('Logo URL', { exact: true }).fill(branding.logo);
    await page.getByLabel('Dark logo URL').fill(branding.darkLogo);
    await page.getByLabel('Terms of use URL').fill(branding.terms);
    await page.getByLabel('Privacy policy URL').fill(branding.privacy);
    const preview = page.getByRole('figure', { name: 'Consent screen preview' });
    await expect.poll(() => preview.textContent()).toContain(`${branding.displayName} wants to access your account`);
    expect(await preview.textContent()).toContain('Your name and basic profile');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await toast(page, 'Branding saved');
    await screenshot(page, file, '07-branding');

    // The app is listed under Third-party apps, not under My apps.
    await page.getByRole('link', { name: '← Applications' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Third-party apps' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByRole('link', { name: 'Desktop Notes' }).count()).toBe(1);

    // A user signs in to that app through openid-client, from its loopback redirect on a port of its own.
    const user = await sesame.createUser({ username: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' });
    const rp = await relyingParty(sesame, { clientId }, nativeListener.redirectUri);
    const request = await authorizationRequest(rp, { scope: 'openid profile email' });
    const { page: userPage } = await person();
    await userPage.goto(request.url.toString());
    await signInOnPage(userPage, { login: user.username, password: user.password });
    await expect.poll(() => userPage.getByRole('heading', { name: `${branding.displayName} wants to access your account` }).count()).toBe(1);
    const consentText = await userPage.locator('body').textContent();
    expect(consentText).toContain('Your name and basic profile');
    expect(consentText).toContain('Your email address');
    expect(consentText).not.toContain('Your phone number');
    expect(await userPage.getByRole('img', { name: `${branding.displayName} logo` }).getAttribute('src')).toBe(branding.logo);
    expect(await userPage.locator(`source[srcset="${branding.darkLogo}"]`).count()).toBe(1);
    expect(await userPage.getByRole('link', { name: 'Terms of use' }).getAttribute('href')).toBe(branding.terms);
    expect(await userPage.getByRole('link', { name: 'Privacy policy' }).getAttribute('href')).toBe(branding.privacy);
    await screenshot(userPage, file, '08-consent-as-configured');
    await userPage.getByRole('button', { name: 'Authorize' }).click();
    const callback = await nativeListener.next();
    const tokens = await exchangeCode(rp, request, callback);
    expect(tokens.claims()?.sub).toBe(user.id);
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(userinfo).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace' });
  });

  it('a new client secret is shown once, and the app authenticates with it', async () => {
    const { page } = console_;
    await page.getByRole('link', { name: 'Applications', exact: true }).click();
    await page.getByRole('button', { name: 'Create application' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create application' });
    await dialog.getByRole('radio', { name: 'Traditional web', exact: true }).check();
    await dialog.getByLabel('Application name').fill('Intranet');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL((url) => /^\/console\/applications\/[^/]+\/guide$/.test(url.pathname));
    // The first secret arrives with the new app, once.
    await expect.poll(() => page.getByText('Copy the client secret now.').count()).toBe(1);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();

    await page.getByLabel('Redirect URIs 1', { exact: true }).fill('https://intranet.example.com/callback');
    await saveWith(page, 'Save changes', 'Settings saved');

    await page.getByRole('tab', { name: 'Endpoints & credentials' }).click();
    const clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'Create secret' }).click();
    const create = page.getByRole('dialog', { name: 'Create secret' });
    await create.getByLabel('Secret name').fill('Production');
    await create.getByRole('button', { name: 'Create secret' }).click();
    const shown = page.getByRole('dialog', { name: 'Secret created' });
    const secret = (await shown.getByLabel('Secret value', { exact: true }).textContent())!.trim();
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, file, '09-secret-shown-once');
    await shown.getByRole('button', { name: 'Done' }).click();

    // Listed by name and last characters only; the value is nowhere on the page any more.
    const row = page.getByRole('row').filter({ hasText: 'Production' });
    await expect.poll(() => row.textContent()).toContain(secret.slice(-4));
    expect(await page.locator('body').textContent()).not.toContain(secret);
    await screenshot(page, file, '10-secrets');

    // The app signs a user in with the new secret (client_secret_basic); a wrong one is refused.
    const user = await sesame.createUser();
    const redirectUri = 'https://intranet.example.com/callback';
    const rp = await relyingParty(sesame, { clientId, clientSecret: secret }, redirectUri);
    const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login: user.username, password: user.password });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.claims()?.sub).toBe(user.id);
    const token = (secretValue: string) => fetch(`${sesame.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secretValue}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: redirectUri }),
    }).then(async (r) => ({ status: r.status, body: await r.json() as { error: string } }));
    expect(await token(`${secret}x`)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token(secret)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('keeps tokens out of localStorage and sessionStorage', async () => {
    const { page } = console_;
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...window.localStorage }, session: { ...window.sessionStorage } }));
    expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    expect(stored).not.toMatch(/access_token|id_token|refresh_token/);
    // The console still works: its token lives in memory.
    await page.getByRole('link', { name: 'Users' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'root-admin' }).count()).toBe(1);
    await screenshot(page, file, '11-users');

    // At a phone's width the navigation folds into a menu.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Applications' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'My apps' }).count()).toBe(1);
    await screenshot(page, file, '11-phone-applications');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('manages API resources, roles, users and the sign-in experience', async () => {
    const { page } = console_;
    // An API resource with a scope.
    await page.getByRole('link', { name: 'API resources' }).click();
    await page.getByRole('button', { name: 'Create API resource' }).click();
    const createResource = page.getByRole('dialog', { name: 'Create API resource' });
    await createResource.getByLabel('API name').fill('Notes API');
    await createResource.getByLabel('API identifier').fill('https://api.notes.example.com');
    await createResource.getByRole('button', { name: 'Create API resource' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Notes API', level: 1 }).count()).toBe(1);
    await page.getByRole('button', { name: 'Create scope' }).click();
    const createScope = page.getByRole('dialog', { name: 'Create scope' });
    await createScope.getByLabel('Scope name').fill('read:notes');
    await createScope.getByLabel('Scope description').fill('Read your notes');
    await createScope.getByRole('button', { name: 'Create scope' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'read:notes', exact: true }).count()).toBe(1);

    // A role giving it, with Ada as a member.
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('button', { name: 'Create role' }).click();
    const createRole = page.getByRole('dialog', { name: 'Create role' });
    await createRole.getByLabel('Role name').fill('Note readers');
    await createRole.getByRole('button', { name: 'Create role' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Note readers', level: 1 }).count()).toBe(1);
    await page.getByRole('button', { name: 'Add scopes' }).click();
    const addScopes = page.getByRole('dialog', { name: 'Add scopes to the role' });
    await addScopes.getByRole('checkbox', { name: 'read:notes' }).check();
    await addScopes.getByRole('button', { name: /^Add/ }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'read:notes' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Add members' }).click();
    const addMembers = page.getByRole('dialog', { name: 'Add members' });
    await addMembers.getByLabel('Search users').fill('ada');
    // The search answers after a pause in typing and a round trip: slow on a loaded machine, not wrong.
    await expect.poll(() => addMembers.getByRole('button', { name: 'Add ada' }).count(), { timeout: 120_000 }).toBe(1);
    await addMembers.getByRole('button', { name: 'Add ada' }).click();
    await toast(page, 'ada now has the role');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(1);
    await screenshot(page, file, '12-role');

    // Ada's page: the role, and the third-party app she authorized, which the admin revokes.
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).count()).toBe(1);
    await expect.poll(() => page.getByRole('region', { name: 'Roles' }).getByRole('link', { name: 'Note readers' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Revoke access of Notes Desktop' }).count()).toBe(1);
    await screenshot(page, file, '13-user');
    await page.getByRole('button', { name: 'Revoke access of Notes Desktop' }).click();
    await page.getByRole('dialog', { name: 'Revoke access' }).getByRole('button', { name: 'Revoke access' }).click();
    await expect.poll(() => page.getByText('No connected apps').count()).toBe(1);

    // The sign-in experience, applied to the sign-in page.
    await page.getByRole('link', { name: 'Sign-in experience' }).click();
    await page.getByLabel('Product name').fill('Acme Accounts');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await toast(page, 'Sign-in experience saved');
    await screenshot(page, file, '14-sign-in-experience');
    const saved = await sesame.sesame.db.selectFrom('sign_in_settings').select('product_name').executeTakeFirstOrThrow();
    expect(saved.product_name).toBe('Acme Accounts');
  });

  it('a non-admin sees the not-an-admin page, and the Management API refuses them', async () => {
    const user = await sesame.createUser({ username: 'grace' });
    const { page } = await person();
    await openConsole(page, user);
    // The console still has to load, read its config and discovery, and redeem the code before it can tell: seconds
    // on a loaded machine, past expect.poll's one-second default.
    await expect.poll(() => page.getByRole('heading', { name: 'You are not an admin' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Applications' }).count()).toBe(0);
    await screenshot(page, file, '15-not-an-admin');

    // The same sign-in made by hand: the token for the Management API carries no management scope, and is refused.
    const consoleClient = await relyingParty(sesame, { clientId: 'sesame-console' }, `${sesame.url}/console/callback`);
    const request = await authorizationRequest(consoleClient, { scope: 'openid profile management', resource: `${sesame.url}/api` });
    // The console's redirect URI is on the issuer, so the agent is told to stop there rather than load the SPA.
    const agent = new UserAgent(`${sesame.url}/`);
    const callback = await agent.authorize(request.url.toString(), { login: user.username, password: user.password }).catch((error: Error) => {
      const stoppedAt = /^sign-in stopped at (\S+)/.exec(error.message)?.[1];
      if (stoppedAt?.startsWith(`${sesame.url}/console/callback?`)) return new URL(stoppedAt);
      throw error;
    });
    const tokens = await exchangeCode(consoleClient, request, callback, { resource: `${sesame.url}/api` });
    const response = await apiClient(sesame, tokens.access_token)('GET', '/api/applications');
    expect(response.status).toBe(403);
  });
});

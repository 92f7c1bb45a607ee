import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { freePort, runNode, serveSpa, signInAndConsent, viteBuild, writeSample, type RunningSample } from './support/guide-samples.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The quick start, end to end in chromium: an admin creates each kind of third-party app in the console, lands
 * on its Guide, copies the sample the page shows into a file and runs it, and a person signs in through the
 * consent screen. The samples are read from the page's code blocks, exactly as a developer would copy them.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let admin: { username: string; password: string };
let person: { id: string; username: string; password: string };
let console_: { context: BrowserContext; page: Page };
const running: RunningSample[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  if (!existsSync(path.resolve('console/dist/index.html'))) {
    throw new Error('console/dist is missing: run `npm run build:console` (npm test builds it first)');
  }
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  admin = { username: 'guide-admin', password: 'a long admin passphrase' };
  await sesame.createUser({ ...admin, admin: true });
  person = await sesame.createUser({ username: 'ada', name: 'Ada Lovelace' });
  console_ = await newPerson(browser, { viewport: { width: 1280, height: 900 } });
  await console_.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sesame.url });
  await console_.page.goto(`${sesame.url}/console`);
  await console_.page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await signInOnPage(console_.page, { login: admin.username, password: admin.password });
  await console_.page.waitForURL((url) => url.pathname === '/console/applications');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((sample) => sample.stop()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); })));
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

/** Creates a third-party app of `type` from the Third-party apps tab; the console lands on its Guide. */
async function createThirdPartyApp(page: Page, type: 'Traditional web' | 'Single page app' | 'Native', name: string): Promise<string> {
  await page.getByRole('link', { name: 'Applications', exact: true }).click();
  await page.getByRole('tab', { name: 'Third-party apps' }).click();
  await page.getByRole('button', { name: 'Create application' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Create application' });
  await dialog.getByRole('group', { name: 'Third-party app' }).getByRole('radio', { name: `Third-party ${type}` }).check();
  await dialog.getByLabel('Application name').fill(name);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL((url) => /^\/console\/applications\/[^/]+\/guide$/.test(url.pathname));
  await expect.poll(() => page.getByRole('tab', { name: 'Guide' }).getAttribute('aria-selected')).toBe('true');
  await expect.poll(() => page.getByRole('heading', { name: 'Configuration' }).count()).toBe(1);
  return decodeURIComponent(new URL(page.url()).pathname.split('/')[3]!);
}

/** The guide warns until the app has a redirect URI; the admin adds one in Settings and goes back to the Guide. */
async function addRedirectUri(page: Page, uri: string): Promise<void> {
  await expect.poll(() => page.getByText('Before you start:').count()).toBeGreaterThan(0);
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByLabel('Redirect URIs 1', { exact: true }).fill(uri);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Settings saved' }).count()).toBeGreaterThan(0);
  await page.getByRole('tab', { name: 'Guide' }).click();
  await expect.poll(() => page.getByRole('button', { name: 'Copy Redirect URI 1' }).count()).toBe(1);
}

/** What the page shows in the code block captioned `caption`, of the sample chosen by its tab. */
async function codeOnPage(page: Page, sampleTab: string, caption: string): Promise<string> {
  await page.getByRole('tab', { name: sampleTab }).click();
  const code = page.getByRole('figure', { name: caption }).locator('pre code');
  return (await code.textContent())!;
}

describe('the quick start through the console\'s Guide', () => {
  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      await screenshot(console_.page, file, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
    });
  });

  it('a third-party traditional web app: the guide shows the new secret once, its Node sample signs a person in', async () => {
    const { page } = console_;
    const clientId = await createThirdPartyApp(page, 'Traditional web', 'Partner Wiki');
    const secret = await page.getByRole('textbox', { name: 'Client secret' }).inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await page.getByRole('textbox', { name: 'Issuer' }).inputValue()).toBe(sesame.url);
    expect(await page.getByRole('textbox', { name: 'Discovery URL' }).inputValue()).toBe(`${sesame.url}/.well-known/openid-configuration`);
    expect(await page.getByRole('textbox', { name: 'Client ID' }).inputValue()).toBe(clientId);
    await screenshot(page, file, '01-traditional-guide-after-create');

    const port = await freePort();
    await addRedirectUri(page, `http://localhost:${port}/callback`);
    expect(await page.getByText('Before you start:').count()).toBe(0);
    const code = await codeOnPage(page, 'Node.js · express-openid-connect', 'app.mjs');
    expect(code).toContain(secret);
    expect(code).toContain(`baseURL: 'http://localhost:${port}'`);
    expect(code).not.toContain('<your client secret>');
    // The copy button copies exactly what the page shows.
    await page.getByRole('button', { name: 'Copy app.mjs' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await screenshot(page, file, '02-traditional-guide-samples');

    const server = runNode(writeSample([{ name: 'app.mjs', code }]), 'app.mjs');
    running.push(server);
    await server.waitFor(/to sign in/);
    const { context, page: user } = await newPerson(browser);
    await user.goto(`http://localhost:${port}/login`);
    await signInAndConsent(user, { login: person.username, password: person.password });
    await user.getByRole('link', { name: 'Profile' }).click();
    const profile = JSON.parse(await user.locator('body').innerText()) as { userinfo: { sub: string } };
    expect(profile.userinfo.sub).toBe(person.id);
    await context.close();

    // Once the admin says the secret is saved, the guide holds the placeholder and says where to create another.
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Client secret' }).count()).toBe(0);
    expect(await codeOnPage(page, 'Node.js · express-openid-connect', 'app.mjs')).toContain("'<your client secret>'");
    expect(await page.getByText('If it is lost, create a new one under').count()).toBe(1);
    expect(await page.locator('body').textContent()).not.toContain(secret);

    // A rotated secret can be shown in the guide too, right after it is created.
    await page.getByRole('link', { name: 'Endpoints & credentials' }).click();
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByRole('dialog', { name: 'Create secret' }).getByLabel('Secret name').fill('Production');
    await page.getByRole('dialog', { name: 'Create secret' }).getByRole('button', { name: 'Create secret' }).click();
    const rotated = (await page.getByRole('dialog', { name: 'Secret created' }).getByLabel('Secret value', { exact: true }).textContent())!.trim();
    await page.getByRole('button', { name: 'Show it in the guide' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/guide'));
    await expect.poll(() => page.getByRole('textbox', { name: 'Client secret' }).inputValue()).toBe(rotated);
    expect(await codeOnPage(page, 'Python · Authlib (Flask)', 'app.py')).toContain(`os.environ.get('CLIENT_SECRET', '${rotated}')`);
  });

  it('a third-party single-page app: its oidc-client-ts sample, built with Vite, signs a person in with PKCE', async () => {
    const { page } = console_;
    await createThirdPartyApp(page, 'Single page app', 'Partner Board');
    // A public client: no secret field, no placeholder; PKCE instead.
    expect(await page.getByRole('textbox', { name: 'Client secret' }).count()).toBe(0);
    expect(await page.getByText('Required, S256').count()).toBe(1);
    const port = await freePort();
    await addRedirectUri(page, `http://localhost:${port}/callback`);
    expect(await page.getByText('Before you start:').count()).toBe(0);
    const html = await codeOnPage(page, 'Browser · oidc-client-ts', 'index.html');
    const js = await codeOnPage(page, 'Browser · oidc-client-ts', 'main.js');
    await screenshot(page, file, '03-spa-guide');

    servers.push(await serveSpa(viteBuild(writeSample([{ name: 'index.html', code: html }, { name: 'main.js', code: js }])), port, 'localhost'));
    const { context, page: user } = await newPerson(browser);
    await user.goto(`http://localhost:${port}/`);
    await user.getByRole('button', { name: 'Sign in' }).click();
    await signInAndConsent(user, { login: person.username, password: person.password });
    await expect.poll(() => user.locator('#user').innerText()).toContain(person.id);
    await context.close();
  });

  it('a third-party native app: its command-line sample signs a person in over a loopback redirect on any port', async () => {
    const { page } = console_;
    await createThirdPartyApp(page, 'Native', 'Partner Desktop');
    await addRedirectUri(page, 'http://127.0.0.1/callback');
    // What is left to do is for a mobile app: a custom-scheme redirect URI.
    expect(await page.getByText('Before you start:').count()).toBe(1);
    expect(await page.getByRole('note').textContent()).toContain('custom-scheme redirect URI');
    const code = await codeOnPage(page, 'Desktop / CLI · openid-client', 'sign-in.mjs');
    await screenshot(page, file, '04-native-guide');
    await page.getByRole('tab', { name: 'iOS · AppAuth-iOS' }).click();
    await screenshot(page, file, '05-native-guide-ios');

    const cli = runNode(writeSample([{ name: 'sign-in.mjs', code }]), 'sign-in.mjs');
    running.push(cli);
    const [, authorizationUrl] = await cli.waitFor(/sign in:\n(\S+)/);
    const { context, page: user } = await newPerson(browser);
    await user.goto(authorizationUrl!);
    await signInAndConsent(user, { login: person.username, password: person.password });
    await cli.waitFor(/Signed in as \S+/);
    expect(cli.output()).toContain(`Signed in as ${person.id}`);
    await context.close();
  });
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { launchBrowser, loopbackListener, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { giveRole } from './support/consent.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * A single-page app built on oidc-client-ts, as its README has it, in Debian's chromium: the library's own
 * browser bundle on a page of the app's origin (a real loopback listener), signing in with code + PKCE and
 * signing out with `revokeTokensOnSignout`, which revokes both tokens at Sesame's revocation endpoint first.
 */
const file = import.meta.filename;
const require = createRequire(import.meta.url);
const library = readFileSync(path.join(path.dirname(require.resolve('oidc-client-ts')), '..', 'browser', 'oidc-client-ts.min.js'), 'utf8');

let browser: Browser;
let sesame: TestSesame;
let spa: Awaited<ReturnType<typeof loopbackListener>>;
let user: { id: string; username: string; password: string };
let clientId: string;
const notesApi = { name: 'Notes API', indicator: 'https://api.notes.example.com', scopes: ['read:notes', 'write:notes'] };

/** The app's one script: its settings, then what each of its pages does. `oidc` is the bundle's global. */
function appPage(settings: Record<string, unknown>, run: string): string {
  return `<!doctype html><meta charset="utf-8"><title>SPA</title><p id="status">loading</p>
<script>${library.replace(/<\/script/gi, '<\\/script')}</script>
<script>
  const manager = new oidc.UserManager(${JSON.stringify(settings)});
  const show = (text) => { document.getElementById('status').textContent = text; };
  (async () => { ${run} })().catch((error) => show('failed: ' + (error && error.message)));
</script>`;
}

/**
 * Serves an app's pages under `prefix`: its home page (Sign in, Sign out), its callback, which keeps what it got
 * in `window.signedIn`, and where it lands after signing out.
 */
function serveApp(prefix: string, settings: Record<string, unknown>): void {
  spa.pages[`${prefix}/`] = appPage(settings, `
    const signedIn = await manager.getUser();
    show(signedIn ? 'signed in as ' + signedIn.profile.name : 'signed out');
    document.body.insertAdjacentHTML('beforeend', '<button id="in">Sign in</button><button id="out">Sign out</button>');
    document.getElementById('in').onclick = () => manager.signinRedirect().catch((e) => show('failed: ' + e.message));
    document.getElementById('out').onclick = () => manager.signoutRedirect().catch((e) => show('failed: ' + e.message));
  `);
  spa.pages[`${prefix}/callback`] = appPage(settings, `
    const signedIn = await manager.signinRedirectCallback();
    window.signedIn = { access: signedIn.access_token, refresh: signedIn.refresh_token, scope: signedIn.scope };
    show('signed in as ' + signedIn.profile.name);
  `);
  spa.pages[`${prefix}/signed-out`] = appPage(settings, 'show("signed out at the app");');
}

/** Registers an SPA whose pages are under `prefix` of the listener, and serves them with `settings` added. */
async function registerApp(prefix: string, settings: Record<string, unknown>): Promise<string> {
  const app = await sesame.createApp({
    name: `SPA ${prefix}`, type: 'spa',
    redirect_uris: [`${spa.origin}${prefix}/callback`], post_logout_redirect_uris: [`${spa.origin}${prefix}/signed-out`],
  });
  serveApp(prefix, {
    authority: sesame.url,
    client_id: app.clientId,
    redirect_uri: `${spa.origin}${prefix}/callback`,
    post_logout_redirect_uri: `${spa.origin}${prefix}/signed-out`,
    ...settings,
  });
  return app.clientId;
}

beforeAll(async () => {
  [browser, sesame, spa] = await Promise.all([launchBrowser(), startTestSesame(), loopbackListener('/unused')]);
  user = await sesame.createUser({ username: 'lin', name: 'Lin Wu' });
  await giveRole(sesame, user.id, notesApi, ['read:notes']);
  clientId = await registerApp('/notes', { scope: 'openid profile offline_access', revokeTokensOnSignout: true, loadUserInfo: true });
  // oidc-client-ts's \`resource\` goes to the authorization request only.
  await registerApp('/userinfo', { scope: 'openid profile read:notes', resource: notesApi.indicator, loadUserInfo: true });
  // As Sesame's own console: the resource named at the token endpoint too, the profile from the ID token.
  await registerApp('/api-token', {
    scope: 'openid profile read:notes', resource: notesApi.indicator, extraTokenParams: { resource: notesApi.indicator }, loadUserInfo: false,
  });
});

afterAll(async () => {
  await browser?.close();
  await spa?.close();
  await sesame?.stop();
});

const status = (page: Page) => page.locator('#status').textContent();
const signedIn = (page: Page) => page.evaluate(() => (window as unknown as { signedIn: { access: string; refresh?: string; scope?: string } }).signedIn);

/** Signs Lin in to the app under `prefix` from its home page; returns what its callback got. */
async function signInTo(page: Page, prefix: string) {
  await page.goto(`${spa.origin}${prefix}/`);
  await expect.poll(() => status(page)).toBe('signed out');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signInOnPage(page, { login: user.username, password: user.password });
  await page.waitForURL(`${spa.origin}${prefix}/callback?**`);
  await expect.poll(() => status(page)).toMatch(/^signed in as |^failed/);
  return { shown: await status(page), tokens: await signedIn(page) };
}

describe('a single-page app on oidc-client-ts', () => {
  it('signs in, then signs out revoking its tokens (revokeTokensOnSignout)', async () => {
    const { context, page } = await newPerson(browser);
    try {
      const { shown, tokens } = await signInTo(page, '/notes');
      // loadUserInfo: the access token is good at the userinfo endpoint.
      expect(shown).toBe('signed in as Lin Wu');
      expect(tokens.refresh, 'offline_access gives the SPA a refresh token').toBeTruthy();

      await page.goto(`${spa.origin}/notes/`);
      await expect.poll(() => status(page)).toBe('signed in as Lin Wu');
      const revocations: { status: number; type: string | null }[] = [];
      page.on('response', (response) => {
        if (response.url() === `${sesame.url}/oidc/token/revocation`) revocations.push({ status: response.status(), type: response.headers()['content-type'] ?? null });
      });
      await page.getByRole('button', { name: 'Sign out' }).click();
      // oidc-client-ts revokes both tokens, then goes to the end-session endpoint; a refused answer stops it on the page.
      const leftForSesame = () => page.url().startsWith(`${sesame.url}/oidc/session/end`);
      await expect.poll(async () => (leftForSesame() ? 'left for Sesame' : await status(page).catch(() => 'navigating')))
        .toBe('left for Sesame');
      expect(revocations).toEqual([{ status: 200, type: expect.stringMatching(/^application\/json/) }, { status: 200, type: expect.stringMatching(/^application\/json/) }]);
      await screenshot(page, file, 'sign-out');

      // Both tokens are dead: the refresh token cannot be used, the access token is refused at userinfo.
      const refreshed = await fetch(`${sesame.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh!, client_id: clientId }),
      });
      expect(refreshed.status).toBe(400);
      expect((await refreshed.json()).error).toBe('invalid_grant');
      const userinfo = await fetch(`${sesame.url}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access}` } });
      expect(userinfo.status).toBe(401);
    } finally {
      await context.close();
    }
  });
});

describe('an oidc-client-ts app that signs in and calls an API resource', () => {
  it('with `resource` (sent with the authorization request) and loadUserInfo: the code gives a userinfo token', async () => {
    const { context, page } = await newPerson(browser);
    try {
      const { shown, tokens } = await signInTo(page, '/userinfo');
      expect(shown).toBe('signed in as Lin Wu');
      expect(tokens.scope?.split(' ').sort()).toEqual(['openid', 'profile']);
    } finally {
      await context.close();
    }
  });

  it('with the resource in extraTokenParams too: the code gives the API\'s token, the ID token the profile', async () => {
    const { context, page } = await newPerson(browser);
    try {
      const { shown, tokens } = await signInTo(page, '/api-token');
      expect(shown).toBe('signed in as Lin Wu');
      expect(decodeJwt(tokens.access)).toMatchObject({ aud: notesApi.indicator, scope: 'read:notes', sub: user.id });
      expect(tokens.scope).toBe('read:notes');
    } finally {
      await context.close();
    }
  });
});

import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Guide } from '../src/apps/guide/guide.schema.ts';
import { launchBrowser, newPerson } from './support/browser.ts';
import {
  findSample, freePort, hasCommand, pythonWithAuthlib, runNode, runPython, runShell, serveSpa, signInAndConsent, viteBuild,
  withSecret, writeSample, type RunningSample,
} from './support/guide-samples.ts';
import { apiClient, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The integration guide cannot rot: each Node.js and browser sample, exactly as the server renders it for a
 * real app, runs against a running Sesame until it has signed a person in (through the sign-in page and the
 * consent screen, in chromium) or has a token.
 */

let sesame: TestSesame;
let browser: Browser;
let api: ReturnType<typeof apiClient>;
let person: { id: string; username: string; password: string };
const running: RunningSample[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  [sesame, browser] = await Promise.all([startTestSesame(), launchBrowser()]);
  api = apiClient(sesame, await managementToken(sesame));
  person = await sesame.createUser({ username: 'grace', name: 'Grace Hopper' });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((sample) => sample.stop()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); })));
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

/** Creates an app through the Management API, allows it profile and email when it is third-party, and reads its guide. */
async function appWithGuide(input: Record<string, unknown>): Promise<{ id: string; secret?: string; guide: Guide }> {
  const created = await api('POST', '/api/applications', input);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  if (input.third_party) {
    const allowed = await api('PUT', `/api/applications/${created.body.id}/permissions`, { user_scopes: ['profile', 'email'] });
    expect(allowed.status).toBe(200);
  }
  const guide = await api<Guide>('GET', `/api/applications/${created.body.id}/guide`);
  expect(guide.status).toBe(200);
  return { id: created.body.id, secret: created.body.client_secret, guide: guide.body };
}

const credentials = () => ({ login: person.username, password: person.password });

describe('the guide\'s samples, run as shown', () => {
  it('traditional web, Node.js with express-openid-connect: signs in through the consent screen and reads userinfo', async () => {
    const port = await freePort();
    const app = await appWithGuide({
      name: 'Partner Wiki', type: 'traditional', third_party: true,
      redirect_uris: [`http://localhost:${port}/callback`], post_logout_redirect_uris: [`http://localhost:${port}/`],
    });
    const sample = findSample(app.guide, 'node-express');
    const dir = writeSample(withSecret(sample.files, app.secret));
    const server = runNode(dir, 'app.mjs');
    running.push(server);
    await server.waitFor(/Open http:\/\/localhost:\d+\/login to sign in/);

    const { context, page } = await newPerson(browser);
    await page.goto(`http://localhost:${port}/login`);
    await signInAndConsent(page, credentials());
    await page.getByRole('link', { name: 'Profile' }).click();
    const profile = JSON.parse(await page.locator('body').innerText()) as { idToken: { sub: string }; userinfo: Record<string, unknown> };
    expect(profile.idToken.sub).toBe(person.id);
    expect(profile.userinfo).toMatchObject({ sub: person.id, name: 'Grace Hopper', email: 'grace@example.com' });

    // Signing out ends the Sesame session too and comes back to the post-logout redirect URI.
    await page.goto(`http://localhost:${port}/`);
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`http://localhost:${port}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await context.close();
  });

  it('traditional web, Node.js with openid-client: signs in, checks state and PKCE, reads userinfo', async () => {
    const port = await freePort();
    const app = await appWithGuide({ name: 'Partner Tracker', type: 'traditional', third_party: true, redirect_uris: [`http://localhost:${port}/auth/callback`] });
    const sample = findSample(app.guide, 'node-openid-client');
    const dir = writeSample(withSecret(sample.files, app.secret));
    const server = runNode(dir, 'server.mjs');
    running.push(server);
    await server.waitFor(/to sign in/);

    const { context, page } = await newPerson(browser);
    await page.goto(`http://localhost:${port}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signInAndConsent(page, credentials());
    await page.waitForURL((url) => url.port === String(port) && url.pathname === '/auth/callback');
    const result = JSON.parse(await page.locator('body').innerText()) as { claims: { sub: string }; userinfo: Record<string, unknown> };
    expect(result.claims.sub).toBe(person.id);
    expect(result.userinfo).toMatchObject({ sub: person.id, email: 'grace@example.com' });
    await context.close();
  });

  const python = pythonWithAuthlib();
  it.runIf(python)('traditional web, Python with Authlib (runs where Flask and Authlib are installed): signs in, reads userinfo', async () => {
    const port = await freePort();
    const app = await appWithGuide({ name: 'Partner Forum', type: 'traditional', third_party: true, redirect_uris: [`http://localhost:${port}/callback`] });
    const server = runPython(python!, writeSample(withSecret(findSample(app.guide, 'python-authlib').files, app.secret)), 'app.py');
    running.push(server);
    await server.waitFor(/Running on http:\/\/localhost:\d+/);

    const { context, page } = await newPerson(browser);
    await page.goto(`http://localhost:${port}/login`);
    await signInAndConsent(page, credentials());
    await page.waitForURL(`http://localhost:${port}/`);
    const user = JSON.parse(await page.locator('body').innerText()) as Record<string, unknown>;
    expect(user).toMatchObject({ sub: person.id, name: 'Grace Hopper', email: 'grace@example.com' });
    await context.close();
  });

  it('single-page app with oidc-client-ts: built with Vite, signs in with PKCE in the browser', async () => {
    const port = await freePort();
    const app = await appWithGuide({ name: 'Partner Board', type: 'spa', third_party: true, redirect_uris: [`http://localhost:${port}/callback`] });
    const sample = findSample(app.guide, 'spa-oidc-client-ts');
    expect(app.secret).toBeUndefined();
    const dist = viteBuild(writeSample(sample.files));
    servers.push(await serveSpa(dist, port, 'localhost'));

    const { context, page } = await newPerson(browser);
    await page.goto(`http://localhost:${port}/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signInAndConsent(page, credentials());
    await page.waitForURL((url) => url.port === String(port) && url.pathname === '/');
    await expect.poll(() => page.locator('#user').innerText()).toContain(person.id);
    const profile = JSON.parse(await page.locator('#user').innerText()) as Record<string, unknown>;
    expect(profile).toMatchObject({ sub: person.id, iss: sesame.url, aud: app.id });
    await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    await context.close();
  });

  it('native desktop or CLI app with openid-client: a loopback redirect on a port of its choosing, PKCE, a refresh token', async () => {
    const app = await appWithGuide({ name: 'Partner Desktop', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
    const sample = findSample(app.guide, 'cli-loopback');
    const cli = runNode(writeSample(sample.files), 'sign-in.mjs');
    running.push(cli);
    const [, authorizationUrl] = await cli.waitFor(/sign in:\n(\S+)/);
    expect(new URL(authorizationUrl!).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const { context, page } = await newPerson(browser);
    await page.goto(authorizationUrl!);
    await signInAndConsent(page, credentials());
    await cli.waitFor(/Signed in as (\S+)/);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain(`Signed in as ${person.id}`);
    expect(cli.output()).toContain('grace@example.com');
    expect(cli.output()).toContain('Got a refresh token');
    await expect.poll(() => page.locator('body').innerText()).toContain('You can close this window');
    await context.close();
  });

  it('machine-to-machine with Node.js: a client-credentials token that the Management API accepts', async () => {
    const app = await appWithGuide({ name: 'Nightly export', type: 'm2m', management_access: true });
    const sample = findSample(app.guide, 'm2m-node');
    expect(sample.files[0]!.code).toContain(`resource: '${sesame.url}/api'`);
    const script = runNode(writeSample(withSecret(sample.files, app.secret)), 'token.mjs');
    running.push(script);
    expect(await script.exited).toBe(0);
    const token = /\n(eyJ\S+)/.exec(script.output())?.[1];
    expect(script.output()).toContain('scope: management');
    const listed = await apiClient(sesame, token)('GET', '/api/applications');
    expect(listed.status).toBe(200);
  });

  it('machine-to-machine with Node.js and no API allowed yet: still a token', async () => {
    const app = await appWithGuide({ name: 'Heartbeat', type: 'm2m' });
    const script = runNode(writeSample(withSecret(findSample(app.guide, 'm2m-node').files, app.secret)), 'token.mjs');
    running.push(script);
    expect(await script.exited, script.output()).toBe(0);
    expect(script.output()).toMatch(/Access token \(expires in \d+ s/);
  });

  it.runIf(hasCommand('curl'))('machine-to-machine with curl (runs where curl is installed): the token response', async () => {
    const app = await appWithGuide({ name: 'Shell export', type: 'm2m', management_access: true });
    const script = runShell(writeSample(withSecret(findSample(app.guide, 'm2m-curl').files, app.secret)), 'token.sh');
    running.push(script);
    expect(await script.exited).toBe(0);
    const body = JSON.parse(script.stdout()) as { access_token: string; scope: string; token_type: string };
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'management' });
    expect((await apiClient(sesame, body.access_token)('GET', '/api/applications')).status).toBe(200);
  });
});

import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/** A stand-in for the Vite build: the real one is built from console/ by the SPA's own tooling. */
const build = mkdtempSync(path.join(os.tmpdir(), 'sesame-console-'));
const indexHtml = '<!doctype html><html><head><script type="module" src="/console/assets/index-4f2a9c1b.js"></script></head><body><div id="root"></div></body></html>';
mkdirSync(path.join(build, 'assets'));
writeFileSync(path.join(build, 'index.html'), indexHtml);
writeFileSync(path.join(build, 'assets', 'index-4f2a9c1b.js'), 'console.log("console");');
writeFileSync(path.join(build, 'assets', 'index-77aa01ff.css'), 'body{margin:0}');
writeFileSync(path.join(build, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(path.join(build, '.env'), 'SECRET=1');
// Something outside the build that a traversal would try to reach.
writeFileSync(path.join(path.dirname(build), `${path.basename(build)}-secret.txt`), 'top secret');

let sesame: TestSesame;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_CONSOLE_DIR: build });
});
afterAll(async () => {
  await sesame?.stop();
  rmSync(build, { recursive: true, force: true });
  rmSync(path.join(path.dirname(build), `${path.basename(build)}-secret.txt`), { force: true });
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${sesame.url}${p}`, { headers, redirect: 'manual' });

/** A request whose path goes out as written (fetch would normalise the dot-segments away). */
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(sesame.url);
  return new Promise((resolve, reject) => {
    http.get({ host: url.hostname, port: url.port, path: rawPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('the console build at /console', () => {
  it('serves index.html at /console, never cached, under a strict policy', async () => {
    for (const p of ['/console', '/console/', '/console/index.html']) {
      const response = await get(p);
      expect(response.status, p).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toBe(indexHtml);
      const csp = response.headers.get('content-security-policy')!;
      for (const directive of ["script-src 'self'", "connect-src 'self'", "img-src 'self' https: data:", "frame-ancestors 'none'"]) {
        expect(csp, p).toContain(directive);
      }
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('answers client routes with index.html (the SPA routes itself)', async () => {
    for (const p of ['/console/applications', '/console/applications/abc/settings', '/console/callback?code=x&state=y', '/console/users/u_1']) {
      const response = await get(p);
      expect(response.status, p).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toBe(indexHtml);
    }
  });

  it('serves hashed assets as immutable, with their media types, and revalidates them', async () => {
    const js = await get('/console/assets/index-4f2a9c1b.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("console");');
    const css = await get('/console/assets/index-77aa01ff.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    // Sent without fetch, which adds Cache-Control: no-cache to conditional requests.
    const again = await rawGet('/console/assets/index-4f2a9c1b.js', { 'if-modified-since': js.headers.get('last-modified')! });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');

    const icon = await get('/console/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing file with 404, not with the app', async () => {
    for (const p of ['/console/assets/index-00000000.js', '/console/assets/', '/console/logo.png', '/console/.env']) {
      const response = await get(p);
      expect(response.status, p).toBe(404);
      expect(await response.text()).not.toContain('<div id="root">');
    }
  });

  it('never serves a file outside the build', async () => {
    const secret = `${path.basename(build)}-secret.txt`;
    for (const p of [
      `/console/../${secret}`, `/console/..%2f${secret}`, `/console/%2e%2e/${secret}`, `/console/assets/..%2f..%2f${secret}`,
      `/console/%2e%2e%2f%2e%2e%2fpackage.json`, '/console/..%5c..%5cpackage.json', '/console/%00index.html', `/console//${build}/index.html`,
    ]) {
      const { status, body } = await rawGet(p);
      expect(body, p).not.toContain('top secret');
      expect(body, p).not.toContain('"name": "sesame"');
      expect(status, p).not.toBe(500);
    }
  });

  it('shows a clear 503 page while the build is missing', async () => {
    renameSync(path.join(build, 'index.html'), path.join(build, 'index.html.off'));
    try {
      for (const p of ['/console', '/console/applications']) {
        const response = await get(p, { 'accept-language': 'en' });
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        const page = await response.text();
        expect(page).toContain('The admin console is not available');
        expect(page).toContain('npm run build:console');
      }
      // What does not depend on the build keeps working.
      expect((await get('/console/config.json')).status).toBe(200);
    } finally {
      renameSync(path.join(build, 'index.html.off'), path.join(build, 'index.html'));
    }
    expect((await get('/console')).status).toBe(200);
  });

  it('tells the SPA how to sign in before anyone has', async () => {
    const response = await get('/console/config.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({
      issuer: sesame.url,
      clientId: 'sesame-console',
      managementApi: `${sesame.url}/api`,
      redirectUri: `${sesame.url}/console/callback`,
      postLogoutRedirectUri: `${sesame.url}/console`,
    });
  });
});

describe('the built-in console client', () => {
  const redirectUri = () => `${sesame.url}/console/callback`;

  /** Signs in through the console client as the SPA does (code + PKCE, the Management API as resource). */
  async function signInToConsole(credentials: { login: string; password: string }) {
    const config = await client.discovery(new URL(sesame.url), 'sesame-console', undefined, client.None(), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(), scope: 'openid profile management', resource: `${sesame.url}/api`, state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    // The callback is on the issuer itself, so follow redirects by hand until it.
    const agent = new UserAgent(sesame.url);
    let current = url.toString();
    let response = await agent.request(current);
    for (let hop = 0; hop < 12; hop++) {
      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location')!, current).toString();
        if (location.startsWith(redirectUri())) {
          // The SPA redeems the code with fetch from its own origin.
          const code = new URL(location).searchParams.get('code')!;
          const token = await fetch(`${sesame.url}/oidc/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', origin: sesame.url },
            // The console names the Management API at the token endpoint too (console/src/auth/auth.ts, extraTokenParams).
            body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), client_id: 'sesame-console', code_verifier: verifier, resource: `${sesame.url}/api` }),
          });
          return { token, body: await token.json() as { access_token: string; id_token: string } };
        }
        current = location;
        response = await agent.request(current);
        continue;
      }
      const page = await response.text();
      expect(isSignInPage(page)).toBe(true);
      const form = parseForm(page, current);
      current = form.action;
      response = await agent.request(form.action, { form: { ...form.fields, ...credentials } });
    }
    throw new Error('sign-in did not reach the console callback');
  }

  it('exists as a first-party public SPA with management access', async () => {
    const app = await sesame.sesame.db.selectFrom('applications').selectAll().where('id', '=', 'sesame-console').executeTakeFirstOrThrow();
    expect(app).toMatchObject({ type: 'spa', third_party: false, management_access: true });
    expect(app.redirect_uris).toEqual([`${sesame.url}/console/callback`]);
    expect(app.post_logout_redirect_uris).toEqual([`${sesame.url}/console`]);
  });

  it('gives an admin a Management API token, redeemed by fetch from the console origin', async () => {
    const admin = await sesame.createUser({ admin: true });
    const { token, body } = await signInToConsole({ login: admin.username, password: admin.password });
    expect(token.status).toBe(200);
    expect(token.headers.get('access-control-allow-origin')).toBe(sesame.url);
    expect(decodeJwt(body.access_token)).toMatchObject({ aud: `${sesame.url}/api`, scope: 'management', sub: admin.id, client_id: 'sesame-console' });
    expect((await apiClient(sesame, body.access_token)('GET', '/api/users')).status).toBe(200);
  });

  it('gives anyone else a token without the management scope, which the API refuses with auth.not_admin', async () => {
    const user = await sesame.createUser();
    const { token, body } = await signInToConsole({ login: user.username, password: user.password });
    expect(token.status).toBe(200);
    expect(decodeJwt(body.access_token).scope).toBeUndefined();
    const refused = await apiClient(sesame, body.access_token)('GET', '/api/users');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('auth.not_admin');
  });
});

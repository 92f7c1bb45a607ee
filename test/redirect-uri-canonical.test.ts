import { request as httpRequest } from 'node:http';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, tokenRequest } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Redirect URIs in one canonical form (issue 12 §2): the WHATWG URL serialisation browsers and libraries send
 * (non-ASCII percent-encoded), on save and on match, so a URI typed with Unicode and the percent-encoded form of the
 * same URI are one; and lists hold each URI once. Exact matching stays exact otherwise.
 */

const typed = 'https://notes.example.com/café/callback';
const encoded = 'https://notes.example.com/caf%C3%A9/callback';
let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let person: { login: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const user = await sesame.createUser();
  person = { login: user.username, password: user.password };
});
afterAll(async () => sesame?.stop());

const { json } = cliWith(() => ({ ...sesame.database.env, SESAME_ISSUER: sesame.url, SESAME_LOG_LEVEL: 'silent' }));

async function createWebApp(redirectUris: string[], extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/api/applications', { name: 'Notes', type: 'traditional', redirect_uris: redirectUris, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { clientId: created.body.client_id as string, clientSecret: created.body.client_secret as string, body: created.body };
}

describe('lists of URIs', () => {
  it('hold each URI once, in the form it is compared in (Management API)', async () => {
    const { body } = await createWebApp([typed, 'https://notes.example.com/cb', typed, encoded, 'https://notes.example.com/cb'], {
      post_logout_redirect_uris: ['https://notes.example.com/bye', 'https://notes.example.com/bye'],
      cors_origins: ['https://admin.example.com', 'https://admin.example.com'],
    });
    expect(body.redirect_uris).toEqual([encoded, 'https://notes.example.com/cb']);
    expect(body.post_logout_redirect_uris).toEqual(['https://notes.example.com/bye']);
    expect(body.cors_origins).toEqual(['https://admin.example.com']);

    const patched = await api('PATCH', `/api/applications/${body.client_id}`, { redirect_uris: ['https://notes.example.com/cb', 'https://Notes.Example.com/cb'] });
    expect(patched.status).toBe(200);
    expect(patched.body.redirect_uris).toEqual(['https://notes.example.com/cb']);
  });

  it('still name the written place of a bad entry', async () => {
    const refused = await api('POST', '/api/applications', { name: 'Bad', type: 'traditional', redirect_uris: ['https://ok.example.com/cb', 'https://ok.example.com/cb', 'http://bad.example.com/cb'] });
    expectProblem(refused, 422, 'application.invalid');
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/redirect_uris/2']);
  });

  it('hold each URI once through the CLI', async () => {
    const created = await json('apps', 'create', '--name', 'Desktop', '--type', 'native',
      '--redirect-uri', 'com.example.notes:/callback', '--redirect-uri', 'com.example.notes:/callback', '--redirect-uri', 'http://127.0.0.1/café');
    const shown = await api('GET', `/api/applications/${created.client_id}`);
    expect(shown.body.redirect_uris).toEqual(['com.example.notes:/callback', 'http://127.0.0.1/caf%C3%A9']);
  });
});

describe('a redirect URI with a Unicode path', () => {
  it('signs in with openid-client configured with the URI as typed (the callback arrives percent-encoded)', async () => {
    const app = await createWebApp([typed]);
    const rp = await relyingParty(sesame, app, typed);
    const request = await authorizationRequest(rp);
    expect(request.url.searchParams.get('redirect_uri')).toBe(typed);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    expect(callback.origin + callback.pathname).toBe(encoded);
    const tokens = await exchangeCode(rp, request, callback);
    expect(tokens.access_token).toBeTruthy();
  });

  it('signs in with the percent-encoded form registered and the typed form sent at both steps', async () => {
    const app = await createWebApp([encoded]);
    const rp = await relyingParty(sesame, app, typed);
    const request = await authorizationRequest(rp);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    // A library that sends its configured string again (oidc-client-ts, most server libraries).
    const response = await tokenRequest(rp, app.clientSecret, {
      grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: typed, code_verifier: request.verifier!,
    });
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it('takes the token request as a chunked body too, and refuses one past the size limit as before', async () => {
    const app = await createWebApp([encoded]);
    const rp = await relyingParty(sesame, app, typed);
    const request = await authorizationRequest(rp);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    const chunked = (text: string) => fetch(`${sesame.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
      body: new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode(text)); controller.close(); } }),
      duplex: 'half',
    } as RequestInit);
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: typed, code_verifier: request.verifier! });
    const response = await chunked(form.toString());
    expect(response.status, await response.clone().text()).toBe(200);

    // On a connection of its own: the server answers before the body ends, and closes it.
    const huge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      let answered = false;
      let failure: unknown;
      const req = httpRequest(`${sesame.url}/oidc/token`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        answered = true;
        let body = '';
        res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      // Writing the rest may fail once the server has answered and closed; only a missing answer is a failure.
      req.on('error', (error) => { failure = error; });
      req.on('close', () => { if (!answered) reject(failure ?? new Error('no answer')); });
      req.write(`grant_type=authorization_code&redirect_uri=${encodeURIComponent(typed)}&pad=`);
      req.end('a'.repeat(200 * 1024));
    });
    expect(huge.status).toBe(400);
    expect(JSON.parse(huge.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('signs in with oauth4webapi sending the percent-encoded form, found through discovery', async () => {
    const app = await createWebApp([typed]);
    const issuer = new URL(sesame.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    const web: oauth.Client = { client_id: app.clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: app.clientId, redirect_uri: encoded, response_type: 'code', scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const callback = await new UserAgent(sesame.url).authorize(url.toString(), person);
    const params = oauth.validateAuthResponse(as, web, callback, oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(as, web, oauth.ClientSecretBasic(app.clientSecret), params, encoded, verifier, { [oauth.allowInsecureRequests]: true });
    const tokens = await oauth.processAuthorizationCodeResponse(as, web, response, { requireIdToken: true });
    expect(tokens.access_token).toBeTruthy();
  });

  it('matches a URI stored as typed before canonical storage', async () => {
    const app = await createWebApp(['https://notes.example.com/cb']);
    await sesame.sesame.db.updateTable('applications').set({ redirect_uris: JSON.stringify([typed]) as never }).where('id', '=', app.clientId).execute();
    const rp = await relyingParty(sesame, app, encoded);
    const request = await authorizationRequest(rp);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect((await exchangeCode(rp, request, callback)).access_token).toBeTruthy();
  });

  it('is sent back to in its canonical form, also when asked for with lower-case percent-encoding', async () => {
    const app = await createWebApp([typed]);
    const rp = await relyingParty(sesame, app, 'https://notes.example.com/caf%c3%a9/callback');
    const request = await authorizationRequest(rp);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    expect(callback.origin + callback.pathname).toBe(encoded);
  });

  it('is sent back to with the host in lower case, however the request wrote it', async () => {
    const app = await createWebApp([typed]);
    const rp = await relyingParty(sesame, app, 'https://NOTES.example.com/café/callback');
    const request = await authorizationRequest(rp);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    expect(callback.origin + callback.pathname).toBe(encoded);
  });

  it.each([
    ['another letter case in the path', 'https://notes.example.com/CAFÉ/callback'],
    ['the same letters composed otherwise (NFD)', 'https://notes.example.com/cafe\u0301/callback'],
    ['an encoded slash', 'https://notes.example.com/caf%C3%A9%2Fcallback'],
    ['a dot-segment that would lead back to it', 'https://notes.example.com/x/../caf%C3%A9/callback'],
    ['an encoded dot-segment', 'https://notes.example.com/x/%2e%2e/caf%C3%A9/callback'],
    ['a backslash', 'https://notes.example.com\\caf%C3%A9/callback'],
    ['the default port written out', 'https://notes.example.com:443/caf%C3%A9/callback'],
    ['a fragment', `${encoded}#x`],
  ])('does not match with %s', async (_, uri) => {
    const app = await createWebApp([typed]);
    const url = new URL('/oidc/auth', sesame.url);
    url.search = new URLSearchParams({
      client_id: app.clientId, response_type: 'code', scope: 'openid', redirect_uri: uri, state: 's',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_redirect_uri');
  });

  it('keeps the loopback port free for a native app only', async () => {
    const native = await api('POST', '/api/applications', { name: 'CLI', type: 'native', redirect_uris: ['http://127.0.0.1/café'] });
    const web = await createWebApp(['http://127.0.0.1:5000/café']);
    const status = async (clientId: string, uri: string) => {
      const url = new URL('/oidc/auth', sesame.url);
      url.search = new URLSearchParams({
        client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: uri,
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      await response.arrayBuffer();
      return response.status;
    };
    expect(await status(native.body.client_id, 'http://127.0.0.1:53124/caf%C3%A9')).toBe(303);
    expect(await status(web.clientId, 'http://127.0.0.1:5000/caf%C3%A9')).toBe(303);
    expect(await status(web.clientId, 'http://127.0.0.1:5001/caf%C3%A9')).toBe(400);
  });
});

describe('a post-logout redirect URI with a Unicode path', () => {
  it('is returned to when asked for in the percent-encoded form', async () => {
    const app = await createWebApp(['https://notes.example.com/cb'], { post_logout_redirect_uris: ['https://notes.example.com/à-bientôt'] });
    const rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp);
    const tokens = await exchangeCode(rp, request, await agent.authorize(request.url.toString(), person));
    const goodbye = new URL('https://notes.example.com/à-bientôt').href;
    const end = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: goodbye, state: 'bye' });
    // Sesame asks the person to confirm; confirming sends them to the app.
    const page = await agent.request(end.toString());
    const html = await page.text();
    expect(page.status, html.slice(0, 300)).toBe(200);
    const form = parseForm(html, end.toString());
    const done = await agent.request(form.action, { form: { ...form.fields, logout: 'yes' } });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${goodbye}?state=bye`);
  });
});

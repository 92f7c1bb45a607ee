import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationRequest, relyingParty, signIn, tokenRequest } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let web: { clientId: string; clientSecret?: string };
let loopbackWeb: { clientId: string; clientSecret?: string };
let spa: { clientId: string };
let native: { clientId: string };

const webUri = 'https://app.example.com/auth/callback?tenant=acme';
const loopbackWebUri = 'http://localhost:8080/callback';
const spaUri = 'https://spa.example.com/Callback';
const nativeUri = 'com.example.app:/callback';

beforeAll(async () => {
  sesame = await startTestSesame();
  web = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [webUri] });
  loopbackWeb = await sesame.createApp({ name: 'Local web', type: 'traditional', redirect_uris: [loopbackWebUri] });
  spa = await sesame.createApp({ name: 'SPA', type: 'spa', redirect_uris: [spaUri] });
  native = await sesame.createApp({ name: 'Native', type: 'native', redirect_uris: [nativeUri, 'http://127.0.0.1/callback'] });
});
afterAll(async () => sesame?.stop());

/** An authorization request with `redirectUri`, as an attacker's link would make it. */
async function authorizationUrl(clientId: string, redirectUri: string): Promise<string> {
  const url = new URL('/oidc/auth', sesame.url);
  const verifier = client.randomPKCECodeVerifier();
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirectUri,
    state: 'attacker-state',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

async function authorize(clientId: string, redirectUri: string) {
  return fetch(await authorizationUrl(clientId, redirectUri), { redirect: 'manual' });
}

async function expectErrorPage(clientId: string, redirectUri: string) {
  const response = await authorize(clientId, redirectUri);
  const page = await response.text();
  expect(response.status, page.slice(0, 300)).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(page).toContain('Something went wrong');
  expect(page).toContain('invalid_redirect_uri');
  expect(page).not.toContain(redirectUri);
}

describe('an unregistered redirect URI', () => {
  it.each([
    ['a suffix on the path', () => web.clientId, `https://app.example.com/auth/callback/evil?tenant=acme`],
    ['a suffix on the query', () => web.clientId, `${webUri}x`],
    ['an extra query parameter', () => web.clientId, `${webUri}&next=https://evil.example`],
    ['the query left out', () => web.clientId, 'https://app.example.com/auth/callback'],
    ['another host', () => web.clientId, 'https://evil.example/auth/callback?tenant=acme'],
    ['a sub-domain of the host', () => web.clientId, 'https://app.example.com.evil.example/auth/callback?tenant=acme'],
    ['http instead of https', () => web.clientId, 'http://app.example.com/auth/callback?tenant=acme'],
    ['an explicit port', () => web.clientId, 'https://app.example.com:8443/auth/callback?tenant=acme'],
    ['user information', () => web.clientId, 'https://app.example.com@evil.example/auth/callback?tenant=acme'],
    ['a fragment', () => web.clientId, `${webUri}#x`],
    ['another port for a web app on a loopback host', () => loopbackWeb.clientId, 'http://localhost:8081/callback'],
    ['no port for a web app on a loopback host', () => loopbackWeb.clientId, 'http://localhost/callback'],
    ['another case in the path', () => spa.clientId, 'https://spa.example.com/callback'],
    ['a trailing slash', () => spa.clientId, `${spaUri}/`],
    ['another custom scheme path', () => native.clientId, 'com.example.app:/callback/evil'],
    ['another custom scheme', () => native.clientId, 'com.evil.app:/callback'],
    ['another path on the loopback redirect', () => native.clientId, 'http://127.0.0.1:5000/other'],
    ['https on the loopback redirect', () => native.clientId, 'https://127.0.0.1:5000/callback'],
  ])('with %s shows an error page and never redirects', async (_, clientIdOf, redirectUri) => {
    await expectErrorPage(clientIdOf(), redirectUri);
  });

  it('of an unknown client shows an error page and never redirects', async () => {
    const response = await authorize('no-such-client', 'https://evil.example/cb');
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Something went wrong');
  });

  it('is refused after sign-in as well as before', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const rp = await relyingParty(sesame, loopbackWeb, loopbackWebUri);
    await signIn(rp, agent, { login: user.username, password: user.password });
    const response = await agent.request(await authorizationUrl(loopbackWeb.clientId, 'http://localhost:8081/callback'));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});

describe('a registered redirect URI', () => {
  it("keeps the app's own query parameters next to the response's", async () => {
    const user = await sesame.createUser();
    const rp = await relyingParty(sesame, web, webUri);
    const request = await authorizationRequest(rp);
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), { login: user.username, password: user.password });
    expect(callback.searchParams.get('tenant')).toBe('acme');
    expect(callback.searchParams.get('state')).toBe(request.state);
    const response = await tokenRequest(rp, web.clientSecret, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: webUri,
      code_verifier: request.verifier!,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('id_token');
  });

  it('is matched exactly, with only the loopback port of a native app free', async () => {
    for (const port of [1024, 51000, 65535]) {
      const response = await authorize(native.clientId, `http://127.0.0.1:${port}/callback`);
      expect(response.status).toBe(303);
      expect(new URL(response.headers.get('location')!, sesame.url).pathname).toMatch(/^\/interaction\//);
    }
  });
});

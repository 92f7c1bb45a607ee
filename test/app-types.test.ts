import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/** Each app type (DESIGN.md §3) completes its flow with a real client library, over real HTTP. */

let sesame: TestSesame;
let user: { id: string; username: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  user = await sesame.createUser({ username: 'grace', name: 'Grace Hopper', email: 'grace@example.com' });
});
afterAll(async () => sesame?.stop());

const signIn = () => ({ login: user.username, password: user.password });

async function discover(clientId: string, secret: string | undefined, auth: client.ClientAuth) {
  return client.discovery(new URL(sesame.url), clientId, secret, auth, { execute: [client.allowInsecureRequests] });
}

/** Runs the code flow with openid-client up to the token response; PKCE always, as a careful client does. */
async function codeFlow(config: client.Configuration, redirectUri: string) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const callback = await new UserAgent(sesame.url).authorize(url.toString(), signIn());
  return { callback, verifier, state };
}

async function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(new URL('/oidc/token', sesame.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, headers: response.headers, body: await response.json() as Record<string, string> };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('traditional web app', () => {
  const redirectUri = 'https://partner.example.com/auth/callback';
  let app: { clientId: string; clientSecret?: string };

  beforeAll(async () => {
    app = await sesame.createApp({ name: 'Partner portal', type: 'traditional', redirect_uris: [redirectUri] });
  });

  it.each([
    ['client_secret_basic', (secret: string) => client.ClientSecretBasic(secret)],
    ['client_secret_post', (secret: string) => client.ClientSecretPost(secret)],
  ] as const)('signs a user in with %s (openid-client)', async (_method, auth) => {
    const config = await discover(app.clientId, app.clientSecret, auth(app.clientSecret!));
    const { callback, verifier, state } = await codeFlow(config, redirectUri);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.sub).toBe(user.id);
    expect(tokens.claims()?.aud).toBe(app.clientId);
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info.name).toBe('Grace Hopper');
  });

  it('cannot authenticate with none: a code sent without the secret is refused', async () => {
    const config = await discover(app.clientId, app.clientSecret, client.ClientSecretBasic(app.clientSecret!));
    const { callback, verifier } = await codeFlow(config, redirectUri);
    const result = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: app.clientId,
      code: callback.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_client');
  });
});

describe('single-page app', () => {
  const origin = 'https://spa.example.com';
  const redirectUri = `${origin}/callback`;
  const extraOrigin = 'https://admin.example.org';
  let clientId: string;

  beforeAll(async () => {
    ({ clientId } = await sesame.createApp({ name: 'Dashboard', type: 'spa', redirect_uris: [redirectUri], cors_origins: [extraOrigin] }));
  });

  it('signs a user in with PKCE (oauth4webapi), calling the token endpoint from its origin', async () => {
    const issuer = new URL(sesame.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    const spa: oauth.Client = { client_id: clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    }).toString();
    const callback = await new UserAgent(sesame.url).authorize(url.toString(), signIn());
    const params = oauth.validateAuthResponse(as, spa, callback, state);
    let corsHeader: string | null = null;
    const response = await oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), params, redirectUri, verifier, {
      [oauth.allowInsecureRequests]: true,
      headers: { origin },
      [oauth.customFetch]: async (input, init) => {
        const res = await fetch(input, init);
        corsHeader = res.headers.get('access-control-allow-origin');
        return res;
      },
    });
    const tokens = await oauth.processAuthorizationCodeResponse(as, spa, response, { requireIdToken: true });
    expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe(user.id);
    expect(corsHeader).toBe(origin);
  });

  it('is refused without PKCE', async () => {
    const url = new URL('/oidc/auth', sesame.url);
    url.search = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', state: 's' }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  async function preflight(from: string, path = '/oidc/token') {
    const response = await fetch(new URL(path, sesame.url), {
      method: 'OPTIONS',
      headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    await response.arrayBuffer();
    return response;
  }

  it.each([origin, extraOrigin])('answers a CORS preflight to the token endpoint from %s', async (from) => {
    const response = await preflight(from);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(from);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it.each(['https://evil.example.net', 'https://spa.example.com.evil.example.net', 'http://spa.example.com', 'null'])(
    'gives a preflight from %s no Access-Control-Allow-Origin',
    async (from) => {
      const response = await preflight(from);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    },
  );

  it.each(['/oidc/me', '/oidc/token/revocation', '/oidc/token/introspection'])('treats a preflight to %s the same way', async (path) => {
    expect((await preflight(origin, path)).headers.get('access-control-allow-origin')).toBe(origin);
    expect((await preflight(extraOrigin, path)).headers.get('access-control-allow-origin')).toBe(extraOrigin);
    expect((await preflight('https://evil.example.net', path)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each(['/.well-known/openid-configuration', '/oidc/jwks'])('leaves %s open to every origin', async (path) => {
    const response = await fetch(new URL(path, sesame.url), { headers: { origin: 'https://any.example.net' } });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://any.example.net');
  });

  it('gives a token request from another origin no Access-Control-Allow-Origin', async () => {
    const result = await tokenRequest({ grant_type: 'authorization_code', client_id: clientId, code: 'x', redirect_uri: redirectUri, code_verifier: 'x'.repeat(43) }, { origin: 'https://evil.example.net' });
    expect(result.headers.get('access-control-allow-origin')).toBeNull();
    expect(result.body.error).toBe('invalid_request');
  });

  it('cannot use client credentials', async () => {
    const result = await tokenRequest({ grant_type: 'client_credentials', client_id: clientId });
    expect(result.status).toBe(400);
    // oidc-provider reports a grant type the client may not use as invalid_request.
    expect(result.body).toMatchObject({ error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' });
  });
});

describe('native app', () => {
  let clientId: string;
  let loopback: http.Server;
  let port: number;
  const received: URL[] = [];

  beforeAll(async () => {
    ({ clientId } = await sesame.createApp({
      name: 'Desktop editor',
      type: 'native',
      redirect_uris: ['com.example.editor:/oauth/callback', 'http://127.0.0.1/callback'],
    }));
    // What a desktop app does (RFC 8252 §7.3): listen on a port the system picks, for one redirect.
    loopback = http.createServer((req, res) => {
      received.push(new URL(req.url!, `http://127.0.0.1:${port}`));
      res.end('You can close this window.');
    });
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    port = (loopback.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => loopback?.close(resolve));
  });

  it('signs a user in through a custom scheme redirect (openid-client, PKCE)', async () => {
    const redirectUri = 'com.example.editor:/oauth/callback';
    const config = await discover(clientId, undefined, client.None());
    const { callback, verifier, state } = await codeFlow(config, redirectUri);
    expect(callback.protocol).toBe('com.example.editor:');
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.sub).toBe(user.id);
  });

  it('signs a user in through a loopback redirect on a port chosen at run time', async () => {
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const config = await discover(clientId, undefined, client.None());
    const { callback, verifier, state } = await codeFlow(config, redirectUri);
    expect(callback.port).toBe(String(port));
    // The browser lands on the app's own listener, which reads the code from the request it gets.
    const landing = await fetch(callback);
    expect(await landing.text()).toMatch(/close this window/);
    const tokens = await client.authorizationCodeGrant(config, received.at(-1)!, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.sub).toBe(user.id);
  });

  it('accepts the loopback redirect on another port, as registered without one', async () => {
    const config = await discover(clientId, undefined, client.None());
    const other = port === 65535 ? port - 1 : port + 1;
    const { callback } = await codeFlow(config, `http://127.0.0.1:${other}/callback`);
    expect(callback.port).toBe(String(other));
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it.each(['/callback/other', '/other', '/callback?x=1', '/Callback'])('refuses the loopback redirect with path or query changed to %s', async (rest) => {
    const url = new URL('/oidc/auth', sesame.url);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: `http://127.0.0.1:${port}${rest}`,
      response_type: 'code',
      scope: 'openid',
      code_challenge: client.randomPKCECodeVerifier(),
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toMatch(/invalid_redirect_uri/);
  });

  it('cannot use client credentials', async () => {
    const result = await tokenRequest({ grant_type: 'client_credentials', client_id: clientId });
    expect(result.status).toBe(400);
    // oidc-provider reports a grant type the client may not use as invalid_request.
    expect(result.body).toMatchObject({ error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' });
  });
});

describe('machine-to-machine app', () => {
  let app: { clientId: string; clientSecret?: string };

  beforeAll(async () => {
    app = await sesame.createApp({ name: 'Nightly sync', type: 'm2m' });
  });

  it.each([
    ['client_secret_basic', (secret: string) => client.ClientSecretBasic(secret)],
    ['client_secret_post', (secret: string) => client.ClientSecretPost(secret)],
  ] as const)('gets an access token by client credentials with %s (openid-client)', async (_method, auth) => {
    const config = await discover(app.clientId, app.clientSecret, auth(app.clientSecret!));
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
  });

  it('cannot use the authorization endpoint', async () => {
    const url = new URL('/oidc/auth', sesame.url);
    url.search = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: 'https://m2m.example.com/cb',
      response_type: 'code',
      scope: 'openid',
      code_challenge: client.randomPKCECodeVerifier(),
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('cannot use the authorization code grant', async () => {
    const result = await tokenRequest(
      { grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://m2m.example.com/cb' },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(result.body).toMatchObject({ error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' });
  });

  it('cannot authenticate with none', async () => {
    const result = await tokenRequest({ grant_type: 'client_credentials', client_id: app.clientId });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_client');
  });
});

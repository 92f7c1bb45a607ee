import http from 'node:http';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../src/console/setup.service.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Sesame behind a TLS-terminating proxy: the issuer is https, requests arrive in plain HTTP. Every cookie is
 * Secure, every response carries HSTS, and no URL is built from the request's Host or X-Forwarded-Host.
 */

const issuer = 'https://id.example.test';
const redirectUri = 'https://rp.example.com/cb';
const evil = 'evil.example';

interface Server { sesame: TestSesame; backend: string; app: { clientId: string }; user: { username: string; password: string } }

async function start(env: Record<string, string>): Promise<Server> {
  const sesame = await startTestSesame({ SESAME_ISSUER: issuer, ...env });
  const backend = `http://127.0.0.1:${sesame.sesame.port}`;
  const app = await sesame.createApp({ name: 'Partner SPA', type: 'spa', redirect_uris: [redirectUri] });
  const user = await sesame.createUser();
  return { sesame, backend, app, user };
}

/** A browser whose every response (and Set-Cookie) is kept. */
class RecordingAgent extends UserAgent {
  readonly responses: Response[] = [];
  async request(url: string, init: Parameters<UserAgent['request']>[1] = {}): Promise<Response> {
    const response = await super.request(url, init);
    this.responses.push(response);
    return response;
  }
  setCookies(): string[] {
    return this.responses.flatMap((r) => r.headers.getSetCookie());
  }
}

async function authorizationUrl(server: Server) {
  const verifier = client.randomPKCECodeVerifier();
  const url = new URL(`${issuer}/oidc/auth`);
  url.search = new URLSearchParams({
    client_id: server.app.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid',
    state: client.randomState(), code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), verifier };
}

/** Signs in through the proxy, then visits the account page, the setup page and the logout page. */
async function browseEverything(server: Server, agent: RecordingAgent) {
  const { url, verifier } = await authorizationUrl(server);
  const callback = await agent.authorize(url, { login: server.user.username, password: server.user.password });
  expect(callback.searchParams.get('code'), callback.toString()).toBeTruthy();
  const token = await fetch(`${server.backend}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...agent.headers },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: redirectUri, client_id: server.app.clientId, code_verifier: verifier }),
  });
  expect(token.status).toBe(200);
  agent.responses.push(token);

  const account = await agent.follow(`${issuer}/account/login`);
  expect(account.url).toBe(`${issuer}/account`);
  expect(account.response.status).toBe(200);

  const setupToken = await issueSetupToken(server.sesame.sesame.db, 600);
  const setup = await agent.request(`${issuer}/console/setup?token=${setupToken}`);
  expect(setup.status).toBe(200);

  const logout = await agent.request(`${issuer}/oidc/session/end?client_id=${server.app.clientId}`);
  expect(logout.status).toBe(200);
  for (const path of ['/.well-known/openid-configuration', '/oidc/jwks', '/api/users', '/nowhere', '/console/config.json']) {
    agent.responses.push(await fetch(`${server.backend}${path}`, { headers: agent.headers }));
  }
}

function expectSecureCookies(agent: RecordingAgent, names: string[]) {
  const cookies = agent.setCookies();
  for (const name of names) expect(cookies.some((c) => c.startsWith(`${name}=`)), `${name} in ${cookies.join('\n')}`).toBe(true);
  for (const cookie of cookies) expect(cookie, cookie).toMatch(/;\s*secure(;|$)/i);
}

function expectHsts(agent: RecordingAgent) {
  for (const response of agent.responses) {
    expect(response.headers.get('strict-transport-security'), response.url).toMatch(/^max-age=31536000; includeSubDomains$/);
  }
}

/** The usual deployment, shared by the proxy and Host header tests. */
let proxied: Server;
beforeAll(async () => { proxied = await start({ SESAME_TRUST_PROXY: 'true' }); });
afterAll(async () => proxied?.sesame.stop());

describe('an https issuer behind a TLS-terminating proxy (SESAME_TRUST_PROXY=true)', () => {
  it('answers plain HTTP from the proxy, with every cookie Secure and HSTS on every response', async () => {
    const agent = new RecordingAgent(issuer, { 'x-forwarded-proto': 'https' }, proxied.backend);
    await browseEverything(proxied, agent);
    expectSecureCookies(agent, ['_interaction', '_interaction_resume', '_session', 'sesame.device', 'sesame.account.flow', 'sesame.account', 'sesame.setup']);
    expectHsts(agent);
  });
});

describe('an https issuer reached in plain HTTP without a trusted proxy', () => {
  let server: Server;
  beforeAll(async () => { server = await start({}); });
  afterAll(async () => server?.sesame.stop());

  it('still marks every cookie Secure and sends HSTS, since the issuer says https', async () => {
    const agent = new RecordingAgent(issuer, {}, server.backend);
    await browseEverything(server, agent);
    expectSecureCookies(agent, ['_interaction', '_session', 'sesame.device', 'sesame.account', 'sesame.setup']);
    expectHsts(agent);
  });
});

describe('an http issuer', () => {
  let sesame: TestSesame;
  beforeAll(async () => { sesame = await startTestSesame(); });
  afterAll(async () => sesame?.stop());

  it('sends no HSTS, which would lock browsers out of a plain-HTTP Sesame', async () => {
    for (const path of ['/.well-known/openid-configuration', '/account', '/api/users']) {
      const response = await fetch(`${sesame.url}${path}`, { redirect: 'manual' });
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });
});

/** A GET sent with an absolute-form request target (`GET http://evil.example/… HTTP/1.1`), which fetch cannot send. */
function absoluteFormGet(backend: string, target: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(backend);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: target, headers: { host: evil } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the Host header', () => {

  const hostile = { host: evil, 'x-forwarded-host': evil, 'x-forwarded-proto': 'https', accept: 'text/html,application/json;q=0.9' };

  async function expectNoEvil(response: Response, what: string) {
    const body = await response.text();
    expect(response.status, `${what}: ${body.slice(0, 200)}`).toBeLessThan(500);
    expect(body, what).not.toContain(evil);
    for (const [name, value] of response.headers) expect(`${name}: ${value}`, what).not.toContain(evil);
    return body;
  }

  it('never shows up in a URL Sesame serves or redirects to, on any endpoint family', async () => {
    const setupToken = await issueSetupToken(proxied.sesame.sesame.db, 600);
    const agent = new RecordingAgent(issuer, hostile, proxied.backend);
    const { url } = await authorizationUrl(proxied);
    // oidc-provider's redirect to the interaction, and the sign-in page itself.
    const toInteraction = await agent.request(url);
    expect(toInteraction.status).toBe(303);
    await expectNoEvil(toInteraction, 'authorization redirect');
    const signInPage = await agent.request(new URL(toInteraction.headers.get('location')!, issuer).toString());
    expect(await expectNoEvil(signInPage, 'sign-in page')).toContain('Password');

    const paths = [
      '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/oidc/jwks',
      `/oidc/auth?client_id=${proxied.app.clientId}&response_type=code&redirect_uri=https%3A%2F%2Fnot-registered.example%2Fcb&scope=openid`,
      `/oidc/auth?client_id=${proxied.app.clientId}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}&scope=openid&prompt=none`,
      '/oidc/token', `/oidc/session/end?client_id=${proxied.app.clientId}`, '/oidc/session/end/success',
      '/account', '/account/login', '/account/logout', '/console', '/console/config.json', '/console/users',
      `/console/setup?token=${setupToken}`, '/console/setup?token=expired',
      '/api/users', '/api/nowhere', '/api/openapi.json', '/api/docs', '/nowhere',
    ];
    for (const path of paths) await expectNoEvil(await agent.request(`${issuer}${path}`), path);
    await expectNoEvil(await fetch(`${proxied.backend}/api/applications`, {
      method: 'POST', headers: { ...hostile, 'content-type': 'application/json' }, body: '{',
    }), 'API problem');

    const discovery = await fetch(`${proxied.backend}/.well-known/openid-configuration`, { headers: hostile });
    const metadata = await discovery.json() as Record<string, unknown>;
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.authorization_endpoint).toBe(`${issuer}/oidc/auth`);
    expect(metadata.jwks_uri).toBe(`${issuer}/oidc/jwks`);
  });

  it('ignores the host of an absolute-form request target', async () => {
    for (const path of ['/.well-known/openid-configuration', '/oidc/auth?client_id=x', '/account/login', '/console/config.json']) {
      const response = await absoluteFormGet(proxied.backend, `http://${evil}${path}`);
      expect(response.status, path).toBeLessThan(500);
      expect(response.body, path).not.toContain(evil);
      expect(JSON.stringify(response.headers), path).not.toContain(evil);
    }
    const discovery = await absoluteFormGet(proxied.backend, `http://${evil}/.well-known/openid-configuration`);
    expect(JSON.parse(discovery.body).token_endpoint).toBe(`${issuer}/oidc/token`);
  });

  it('lets caches keep discovery and the keys for a while', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/oidc/jwks']) {
      const response = await fetch(`${proxied.backend}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control'), path).toMatch(/^public, max-age=\d+/);
    }
  });
});

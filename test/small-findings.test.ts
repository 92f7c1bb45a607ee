import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClientId } from '../src/apps/built-in.ts';
import { apiClient, clientCredentials, createManagementApp, expectProblem, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty } from './support/relying-party.ts';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/** Smaller findings of issue 10 §5: each answer here was wrong before. */

let sesame: TestSesame;
let token: string;
let logs: ReturnType<typeof captureLogs>;
const printed: string[] = [];

beforeAll(async () => {
  logs = captureLogs();
  sesame = await startTestSesame({ SESAME_LOG_LEVEL: 'info' }, { logger: logs.logger, print: (text) => { printed.push(text); } });
  token = await managementToken(sesame);
});
afterAll(async () => sesame?.stop());

// First: the link works only while no admin exists, and later tests create admins.
describe('the first-run setup link', () => {
  it('is printed for the operator and never written to the log', async () => {
    const link = /(http:\/\/\S+\/console\/setup\?token=[A-Za-z0-9_-]+)/.exec(printed.join(''))?.[1];
    expect(link, printed.join('')).toBeTruthy();
    expect((await fetch(link!)).status).toBe(200);
    const token = new URL(link!).searchParams.get('token')!;
    expect(logs.text()).toMatch(/setup link/);
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).not.toContain('setupUrl');
  });
});

describe('deeply nested Management API bodies', () => {
  const deep = (depth: number, open: string, close: string) => `{"name":${open.repeat(depth)}1${close.repeat(depth)}}`;

  it('answers 400 problem JSON naming the limit, not a 500', async () => {
    for (const body of [deep(8000, '[', ']'), deep(8000, '{"a":', '}'), deep(100_000, '[', ']')]) {
      const response = await apiClient(sesame, token)('POST', '/api/applications', body);
      expectProblem(response, 400, 'request.too_deep');
      expect(response.body.detail).toMatch(/\b32\b/);
    }
  });

  it('still takes bodies of ordinary depth', async () => {
    const response = await apiClient(sesame, token)('POST', '/api/applications', { name: 'Shallow', type: 'm2m' });
    expect(response.status).toBe(201);
  });
});

describe('revoking another app\'s token', () => {
  it('answers like an unknown token (RFC 7009 §2.2) and leaves the token alone', async () => {
    const owner = await createManagementApp(sesame, 'Owner');
    const other = await createManagementApp(sesame, 'Other');
    const issued = await (await clientCredentials(sesame, owner)).json() as { access_token: string };
    const revoke = (as: { clientId: string; clientSecret: string }, value: string) => fetch(`${sesame.url}/oidc/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${as.clientId}:${as.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: value }),
    });
    const foreign = await revoke(other, issued.access_token);
    const unknown = await revoke(other, 'x'.repeat(issued.access_token.length));
    expect({ status: foreign.status, body: await foreign.text() }).toEqual({ status: unknown.status, body: await unknown.text() });
    expect(foreign.status).toBe(200);

    const rp = await relyingParty(sesame, owner, 'https://unused.example.com/cb');
    expect((await client.tokenIntrospection(rp.config, issued.access_token)).active).toBe(true);
  });
});

/** Signs `user` in to the console's own client, the way the console does, and returns its tokens. */
async function signInToConsole(agent: UserAgent, user: { username: string; password: string }) {
  const redirectUri = `${sesame.url}/console/callback`;
  const config = await client.discovery(new URL(sesame.url), consoleClientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  let current = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile email management', resource: `${sesame.url}/api`, state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();
  let response = await agent.request(current);
  for (let hops = 0; hops < 12; hops++) {
    if (response.status >= 300 && response.status < 400) {
      current = new URL(response.headers.get('location')!, current).toString();
      await response.arrayBuffer();
      if (current.startsWith(redirectUri)) break;
      response = await agent.request(current);
    } else {
      const form = parseForm(await response.text(), current);
      response = await agent.request(form.action, { form: { ...form.fields, login: user.username, password: user.password } });
    }
  }
  expect(current.startsWith(redirectUri), current).toBe(true);
  const tokens = await client.authorizationCodeGrant(config, new URL(current), { pkceCodeVerifier: verifier, expectedState: state }, { resource: `${sesame.url}/api` });
  return { config, tokens };
}

describe('signing out of the console', () => {
  it('ends the console\'s Management API access', async () => {
    const admin = await sesame.createUser({ admin: true });
    const agent = new UserAgent(sesame.url);
    const { config, tokens } = await signInToConsole(agent, admin);
    expect((await apiClient(sesame, tokens.access_token)('GET', '/api/users')).status).toBe(200);

    const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${sesame.url}/console` });
    const page = await agent.request(logout.toString());
    const form = parseForm(await page.text(), logout.toString());
    const done = await agent.request(form.action, { form: { ...form.fields, logout: 'yes' } });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${sesame.url}/console`);

    // Within a minute (polled, never a fixed sleep): the old token is refused.
    const deadline = Date.now() + 60_000;
    let refused = await apiClient(sesame, tokens.access_token)('GET', '/api/users');
    while (refused.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      refused = await apiClient(sesame, tokens.access_token)('GET', '/api/users');
    }
    expectProblem(refused, 401, 'auth.signed_out');
    // An m2m app's token is no session's: unaffected.
    expect((await apiClient(sesame, token)('GET', '/api/users')).status).toBe(200);
  });

  it('leaves a signed-in console working when another browser of the same admin signs out', async () => {
    const admin = await sesame.createUser({ admin: true });
    const first = await signInToConsole(new UserAgent(sesame.url), admin);
    const otherAgent = new UserAgent(sesame.url);
    const second = await signInToConsole(otherAgent, admin);
    const logout = client.buildEndSessionUrl(second.config, { id_token_hint: second.tokens.id_token!, post_logout_redirect_uri: `${sesame.url}/console` });
    const page = await otherAgent.request(logout.toString());
    const form = parseForm(await page.text(), logout.toString());
    await otherAgent.request(form.action, { form: { ...form.fields, logout: 'yes' } });
    expectProblem(await apiClient(sesame, second.tokens.access_token)('GET', '/api/users'), 401, 'auth.signed_out');
    expect((await apiClient(sesame, first.tokens.access_token)('GET', '/api/users')).status).toBe(200);
  });
});

describe('POST at the authorization endpoint (OpenID Connect Core 3.1.2.1)', () => {
  it('runs a whole code flow started with a form POST', async () => {
    const user = await sesame.createUser();
    const app = await sesame.createApp({ name: 'Form poster', type: 'traditional', redirect_uris: ['https://poster.example.com/cb'] });
    const rp = await relyingParty(sesame, app, 'https://poster.example.com/cb');
    const request = await authorizationRequest(rp, { scope: 'openid profile' });
    const agent = new UserAgent(sesame.url);
    const posted = await agent.request(`${sesame.url}/oidc/auth`, { form: request.url.searchParams });
    expect(posted.status, await posted.clone().text()).toBeLessThan(400);
    const callback = await agent.authorize(new URL(posted.headers.get('location')!, sesame.url).toString(), { login: user.username, password: user.password });
    const tokens = await exchangeCode(rp, request, callback);
    expect(tokens.claims()!.sub).toBe(user.id);
  });

  it('refuses a form that would make the redirect too long to follow with a 413 page, not an unusable redirect', async () => {
    // `~` is sent as it is in a form but encoded as %7E in a URL: 8,000 bytes posted become 24,000 in the redirect.
    const response = await fetch(`${sesame.url}/oidc/auth`, {
      method: 'POST', redirect: 'manual', body: `client_id=x&state=${'~'.repeat(8000)}`,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toMatch(/<html/);
  });

  it('answers a POST without parameters with the usual error, not a 404', async () => {
    const response = await new UserAgent(sesame.url).follow(`${sesame.url}/oidc/auth`, { form: {} });
    expect(response.response.status).toBe(400);
  });
});

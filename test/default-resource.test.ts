import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { allow, authorizeUntilConsent, consentOptions, decide, giveRole } from './support/consent.ts';
import { apiClient, clientCredentials, expectProblem, managementToken } from './support/management.ts';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Clients that never send RFC 8707 `resource` (some AI agents) still get an audience-bound JWT for an API, through
 * the app's default resource or the global one (SESAME_DEFAULT_RESOURCE), within the app's allowlist and the
 * person's roles, after the usual consent.
 */
const tools = { name: 'Agent tools', indicator: 'https://tools.example.com/mcp', scopes: ['tools:call', 'tools:admin'] };
const globalApi = { name: 'Everyone API', indicator: 'https://everyone.example.com/', scopes: ['everyone:read'] };
const redirectUri = 'http://127.0.0.1/callback';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

let sesame: TestSesame;
let as: oauth.AuthorizationServer;
let person: { id: string; login: string; password: string };
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_DEFAULT_RESOURCE: globalApi.indicator });
  const user = await sesame.createUser();
  person = { id: user.id, login: user.username, password: user.password };
  // The person holds tools:call but not tools:admin, and everyone:read.
  await giveRole(sesame, user.id, tools, ['tools:call']);
  await giveRole(sesame, user.id, globalApi, ['everyone:read']);
  const issuer = new URL(sesame.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

/** A third-party native app (an agent on the person's machine), public, that never sends `resource`. */
async function agentApp(name: string) {
  const app = await sesame.createApp({ name, type: 'native', third_party: true, redirect_uris: [redirectUri] });
  return app.clientId;
}

/** Authorizes with `scope` and no `resource`, ticks every permission offered, and redeems the code (no `resource` either). */
async function connect(clientId: string, scope: string) {
  const client: oauth.Client = { client_id: clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  for (const [name, value] of Object.entries({
    client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })) url.searchParams.set(name, value);
  const agent = new UserAgent(sesame.url);
  const step = await authorizeUntilConsent(agent, url.toString(), person);
  if (!('consent' in step)) throw new Error('a third-party app is asked for consent');
  const offered = consentOptions(step.consent.page).map((o) => o.value);
  const callback = await decide(agent, step.consent, offered.filter((v) => v !== 'openid'));
  const params = oauth.validateAuthResponse(as, client, callback, oauth.expectNoState);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure));
  return { tokens, offered, page: step.consent.page, client };
}

describe('an app with a default resource', () => {
  it('gets a JWT for it, with the scopes the person granted, from the code and from the refresh token', async () => {
    const clientId = await agentApp('Agent');
    await allow(sesame, clientId, [], [{ indicator: tools.indicator, scope: 'tools:call' }, { indicator: tools.indicator, scope: 'tools:admin' }]);
    const saved = await api('PATCH', `/api/applications/${clientId}`, { default_resource: tools.indicator });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.default_resource).toBe(tools.indicator);

    const { tokens, offered, page, client } = await connect(clientId, 'openid offline_access tools:call tools:admin');
    // The consent screen shows the resource's permission the person holds, as for a client that names it.
    expect(offered).toContain(`${tools.indicator} tools:call`);
    expect(offered).not.toContain(`${tools.indicator} tools:admin`);
    expect(page).toContain('Agent tools');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: tools.indicator, sub: person.id, scope: 'tools:call', client_id: clientId });

    const refreshed = await oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure));
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ aud: tools.indicator, scope: 'tools:call' });
  });

  it('gets the usual token for userinfo when it asks for none of the resource\'s scopes', async () => {
    const clientId = await agentApp('Sign-in only');
    await allow(sesame, clientId, ['profile'], [{ indicator: tools.indicator, scope: 'tools:call' }]);
    expect((await api('PATCH', `/api/applications/${clientId}`, { default_resource: tools.indicator })).status).toBe(200);
    const { tokens, client } = await connect(clientId, 'openid profile');
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const info = await oauth.processUserInfoResponse(as, client, person.id, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
    expect(info.sub).toBe(person.id);
  });

  it('is refused at save time when the app may not use it, with a message naming the field and what to do', async () => {
    const clientId = await agentApp('Not allowed');
    const notAllowed = await api('PATCH', `/api/applications/${clientId}`, { default_resource: tools.indicator });
    expectProblem(notAllowed, 422, 'application.invalid');
    expect(notAllowed.body.errors).toEqual([{ pointer: '/default_resource', detail: expect.stringMatching(/^Default API resource .*Permissions/) }]);

    const unknown = await api('PATCH', `/api/applications/${clientId}`, { default_resource: 'https://nowhere.example.com/' });
    expectProblem(unknown, 422, 'application.invalid');
    expect(unknown.body.detail).toMatch(/no registered API resource/);

    const created = await api('POST', '/api/applications', { name: 'Created with one', type: 'native', third_party: true, redirect_uris: [redirectUri], default_resource: tools.indicator });
    expectProblem(created, 422, 'application.invalid');

    // A first-party app's users get what their roles give: any registered resource will do.
    const firstParty = await api('POST', '/api/applications', { name: 'Own agent', type: 'native', redirect_uris: [redirectUri], default_resource: tools.indicator });
    expect(firstParty.status, JSON.stringify(firstParty.body)).toBe(201);
    expect((await api('PATCH', `/api/applications/${firstParty.body.id}`, { default_resource: '' })).body.default_resource).toBeNull();
  });

  it('loses its default resource when the resource is deleted', async () => {
    const created = await api('POST', '/api/resources', { name: 'Short-lived', indicator: 'https://short.example.com/', scopes: [{ name: 'short:use' }] });
    const app = await api('POST', '/api/applications', { name: 'Follower', type: 'spa', redirect_uris: ['https://follower.example.com/cb'], default_resource: 'https://short.example.com/' });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    expect((await api('DELETE', `/api/resources/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/api/applications/${app.body.id}`)).body.default_resource).toBeNull();
  });
});

describe('the CLI', () => {
  it('sets and clears an app\'s default resource and DPoP requirement, and says why it refuses one', async () => {
    const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));
    const clientId = await agentApp('CLI agent');
    await cli.fails(/Default API resource .*Permissions/, 'apps', 'update', '--id', clientId, '--default-resource', tools.indicator);
    await allow(sesame, clientId, [], [{ indicator: tools.indicator, scope: 'tools:call' }]);
    const updated = await cli.json('apps', 'update', '--id', clientId, '--default-resource', tools.indicator, '--dpop-bound-access-tokens', 'true');
    expect(updated).toMatchObject({ default_resource: tools.indicator, dpop_bound_access_tokens: true });
    const cleared = await cli.json('apps', 'update', '--id', clientId, '--default-resource', '', '--dpop-bound-access-tokens', 'false');
    expect(cleared).toMatchObject({ default_resource: null, dpop_bound_access_tokens: false });
  });
});

describe('the global default resource (SESAME_DEFAULT_RESOURCE)', () => {
  it('serves an app with no default of its own that may use it', async () => {
    const clientId = await agentApp('Global user');
    await allow(sesame, clientId, [], [{ indicator: globalApi.indicator, scope: 'everyone:read' }]);
    const { tokens } = await connect(clientId, 'openid everyone:read');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: globalApi.indicator, scope: 'everyone:read' });
  });

  it('changes nothing for an app that may use none of its scopes', async () => {
    const clientId = await agentApp('Unrelated');
    await allow(sesame, clientId, ['profile'], []);
    const { tokens, offered } = await connect(clientId, 'openid profile everyone:read');
    expect(offered).toEqual(['openid', 'profile']);
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(tokens.scope?.split(' ').sort()).toEqual(['openid', 'profile']);
  });

  it('leaves an m2m app\'s client credentials as they were', async () => {
    const robot = await sesame.createApp({ name: 'Robot', type: 'm2m' });
    await allow(sesame, robot.clientId, [], [{ indicator: globalApi.indicator, scope: 'everyone:read' }]);
    const credentials = { clientId: robot.clientId, clientSecret: robot.clientSecret! };
    const plain = await (await clientCredentials(sesame, credentials)).json() as { access_token: string; scope?: string };
    expect(plain.access_token.split('.')).toHaveLength(1);
    const named = await (await clientCredentials(sesame, credentials, { resource: globalApi.indicator, scope: 'everyone:read' })).json() as { access_token: string };
    expect(decodeJwt(named.access_token)).toMatchObject({ aud: globalApi.indicator, scope: 'everyone:read' });
  });

  it('is named in a warning at start when it is no registered resource', async () => {
    const logs = captureLogs();
    const other = await startTestSesame({ SESAME_DEFAULT_RESOURCE: 'https://typo.example.com/', SESAME_LOG_LEVEL: 'warn' }, { logger: logs.logger });
    await other.stop();
    expect(logs.text()).toMatch(/SESAME_DEFAULT_RESOURCE https:\/\/typo\.example\.com\/ is no registered API resource/);
  });

  it('gives way to the app\'s own default resource', async () => {
    const clientId = await agentApp('Own default');
    await allow(sesame, clientId, [], [{ indicator: tools.indicator, scope: 'tools:call' }, { indicator: globalApi.indicator, scope: 'everyone:read' }]);
    expect((await api('PATCH', `/api/applications/${clientId}`, { default_resource: tools.indicator })).status).toBe(200);
    const { tokens } = await connect(clientId, 'openid tools:call everyone:read');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: tools.indicator, scope: 'tools:call' });
  });
});

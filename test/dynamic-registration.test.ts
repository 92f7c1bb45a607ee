import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUntilConsent, decide } from './support/consent.ts';
import { cliWith } from './support/cli.ts';
import { authorizationRequest, exchangeCode, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * RFC 7591 dynamic registration and RFC 7592 management, as an agent does it with plain HTTP, under the admin's
 * policy: off, approval, open; the domain allowlist; caps per address; the throttle; repeated registrations getting
 * their entry back; initial access tokens; removal of unused apps. Each test registers from an address of its own
 * (Sesame behind a proxy that says who is calling), so counts per address do not mix.
 */

let sesame: TestSesame;
const { json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_TRUST_PROXY: 'true', SESAME_THROTTLE_REGISTRATIONS: '6', SESAME_SETTINGS_CACHE_SECONDS: '0' });
});
afterAll(async () => sesame?.stop());

let addresses = 0;
const newAddress = () => `198.51.100.${++addresses}`;

const nativeAgent = (name: string, port = 33400 + addresses) => ({
  client_name: name,
  redirect_uris: [`http://127.0.0.1:${port}/callback`],
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

async function register(metadata: Record<string, unknown>, from: string, token?: string) {
  const response = await fetch(new URL('/oidc/reg', sesame.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(metadata),
  });
  return { status: response.status, headers: response.headers, body: await response.json() as Record<string, any> };
}

async function manage(method: string, uri: string, token: string, body?: unknown) {
  const response = await fetch(uri, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as Record<string, any> };
}

/** Client authentication at the revocation endpoint: 200 when the secret is right (RFC 7009), 401 when not. */
async function revokeWith(clientId: string, secret: string): Promise<number> {
  const response = await fetch(new URL('/oidc/token/revocation', sesame.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`)}` },
    body: 'token=unknown-token',
  });
  return response.status;
}

const discovery = async () => (await fetch(new URL('/.well-known/openid-configuration', sesame.url))).json() as Promise<Record<string, unknown>>;

describe('dynamic registration (RFC 7591) under the policy', () => {
  it('is refused and not advertised while off', async () => {
    await json('registration', 'set', '--dcr', 'off');
    expect(await discovery()).not.toHaveProperty('registration_endpoint');
    const refused = await register(nativeAgent('Nobody'), newAddress());
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('access_denied');
  });

  it('registers, reads, updates and deletes a public client with its registration access token (RFC 7592)', async () => {
    await json('registration', 'set', '--dcr', 'open');
    expect((await discovery()).registration_endpoint).toBe(`${sesame.url}/oidc/reg`);
    const from = newAddress();
    const created = await register(nativeAgent('Helpful Agent'), from);
    expect(created.status).toBe(201);
    const { client_id: clientId, registration_access_token: token, registration_client_uri: uri } = created.body;
    expect(created.body).toMatchObject({ client_name: 'Helpful Agent', token_endpoint_auth_method: 'none', application_type: 'native' });
    expect(created.body).not.toHaveProperty('client_secret');
    expect(Object.keys(created.body).filter((k) => k.startsWith('sesame/'))).toEqual([]);
    expect(await json('apps', 'show', '--id', clientId)).toMatchObject({
      origin: 'dcr', status: 'approved', third_party: true, management_access: false, type: 'native', registered_ip: from,
    });

    const read = await manage('GET', uri, token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ client_id: clientId, redirect_uris: created.body.redirect_uris });
    expect(read.body).not.toHaveProperty('client_secret');
    expect((await manage('GET', uri, 'not-the-token')).status).toBe(401);

    const updated = await manage('PUT', uri, token, { ...nativeAgent('Renamed Agent'), redirect_uris: created.body.redirect_uris, client_id: clientId });
    expect(updated.status).toBe(200);
    expect(updated.body.client_name).toBe('Renamed Agent');
    const rotated = updated.body.registration_access_token as string;
    expect(rotated).not.toBe(token);
    expect((await manage('GET', uri, token)).status, 'the rotated token replaced the old one').toBe(401);
    expect((await json('apps', 'show', '--id', clientId)).name).toBe('Renamed Agent');

    expect((await manage('DELETE', uri, rotated)).status).toBe(204);
    const gone = await cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' })).run('apps', 'show', '--id', clientId);
    expect(gone.code).not.toBe(0);
  });

  it('registers a confidential web client with a secret that works at the token endpoint, and refuses what is not its to set', async () => {
    const from = newAddress();
    const web = await register({
      client_name: 'Partner Portal', redirect_uris: ['https://portal.example.com/callback'], token_endpoint_auth_method: 'client_secret_basic',
    }, from);
    expect(web.status).toBe(201);
    expect(web.body.client_secret).toEqual(expect.any(String));
    expect(await json('apps', 'show', '--id', web.body.client_id)).toMatchObject({ type: 'traditional', third_party: true });
    expect(await revokeWith(web.body.client_id, web.body.client_secret)).toBe(200);
    expect(await revokeWith(web.body.client_id, 'not-the-secret')).toBe(401);
    // Registering again: the same app, with one more secret; the first keeps working.
    const again = await register({
      client_name: 'Partner Portal', redirect_uris: ['https://portal.example.com/callback'], token_endpoint_auth_method: 'client_secret_basic',
    }, from);
    expect(again.body.client_id).toBe(web.body.client_id);
    expect(again.body.client_secret).not.toBe(web.body.client_secret);
    expect(await revokeWith(web.body.client_id, again.body.client_secret)).toBe(200);
    expect(await revokeWith(web.body.client_id, web.body.client_secret)).toBe(200);

    const sneaky = await register({ ...nativeAgent('Sneaky'), 'sesame/management_access': true, 'sesame/third_party': false }, from);
    expect(sneaky.status).toBe(400);
    expect(sneaky.body.error).toBe('invalid_client_metadata');
    const robot = await register({ client_name: 'Robot', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }, from);
    expect(robot.status).toBe(400);
    const badUri = await register({ ...nativeAgent('Bad'), redirect_uris: ['javascript:alert(1)'] }, from);
    expect(badUri.status).toBe(400);
  });

  it('gives a client that registers again with the same metadata its entry back', async () => {
    const from = newAddress();
    const first = await register(nativeAgent('Connects Often', 40001), from);
    const second = await register(nativeAgent('Connects Often', 40001), from);
    expect(second.status).toBe(201);
    expect(second.body.client_id).toBe(first.body.client_id);
    expect(second.body.registration_access_token).not.toBe(first.body.registration_access_token);
    expect((await manage('GET', second.body.registration_client_uri, second.body.registration_access_token)).status).toBe(200);
    const other = await register(nativeAgent('Connects Often', 40002), from);
    expect(other.body.client_id).not.toBe(first.body.client_id);
  });

  it('holds an app for approval, then lets it sign people in once approved; denial shows a refusal', async () => {
    await json('registration', 'set', '--dcr', 'approval');
    const from = newAddress();
    const created = await register(nativeAgent('Careful Agent', 40100), from);
    const clientId = created.body.client_id as string;
    expect((await json('apps', 'show', '--id', clientId)).status).toBe('pending');

    const redirectUri = created.body.redirect_uris[0] as string;
    const rp = await relyingParty(sesame, { clientId }, redirectUri);
    const held = await fetch((await authorizationRequest(rp, { scope: 'openid' })).url, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(held.status).toBe(403);
    expect(await held.text()).toContain('Waiting for the administrator');

    await json('apps', 'approve', '--id', clientId);
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp, { scope: 'openid' });
    const step = await authorizeUntilConsent(agent, request.url.toString(), { login: user.username, password: user.password });
    if (!('consent' in step)) throw new Error('an app that registered itself is third-party: expected the consent screen');
    const tokens = await exchangeCode(rp, request, await decide(agent, step.consent, []));
    expect(tokens.access_token).toBeTruthy();
    const used = await sesame.sesame.db.selectFrom('applications').select('last_used_at').where('id', '=', clientId).executeTakeFirstOrThrow();
    expect(used.last_used_at).toBeInstanceOf(Date);

    await json('apps', 'deny', '--id', clientId);
    const denied = await fetch((await authorizationRequest(rp, { scope: 'openid', ui_locales: 'ru' })).url, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('Это приложение не разрешено');
    await json('registration', 'set', '--dcr', 'open');
  });

  it('accepts a scope naming API scopes, and gives the app the policy\'s default permissions it asked for', async () => {
    const { dcr } = await json('registration', 'show');
    await json('resources', 'create', '--name', 'Files MCP', '--indicator', 'https://files.example.com/mcp', '--scope', 'files:read', '--scope', 'files:write');
    await json('registration', 'set', '--dcr', 'open', '--default-scope', 'profile', '--default-scope', 'email',
      '--default-resource-scope', 'https://files.example.com/mcp#files:read', '--default-resource-scope', 'https://files.example.com/mcp#files:write');
    const asked = await register({ ...nativeAgent('Scoped agent'), scope: 'openid profile files:read unknown:thing' }, newAddress());
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.scope, 'the engine keeps the OpenID scopes it knows').toBe('openid profile');
    expect(await json('apps', 'permissions', 'show', '--id', asked.body.client_id)).toMatchObject({
      user_scopes: ['profile'], resource_scopes: [expect.objectContaining({ resource: 'https://files.example.com/mcp', scope: 'files:read' })],
    });
    const silent = await register(nativeAgent('Agent asking nothing'), newAddress());
    const all = await json('apps', 'permissions', 'show', '--id', silent.body.client_id);
    expect(all.user_scopes).toEqual(['email', 'profile']);
    expect(all.resource_scopes.map((r: { scope: string }) => r.scope).sort()).toEqual(['files:read', 'files:write']);

    await fails(/names no registered scope/, 'registration', 'set', '--default-resource-scope', 'https://files.example.com/mcp#files:delete');
    await json('registration', 'set', '--no-default-permissions', '--dcr', dcr);
    expect(await json('registration', 'show')).toMatchObject({ default_user_scopes: [], default_resource_scopes: [] });
  });

  it('keeps redirect hosts to the allowed domains', async () => {
    await json('registration', 'set', '--allowed-domain', 'example.org');
    const from = newAddress();
    const outside = await register({ ...nativeAgent('Outsider'), application_type: 'web', redirect_uris: ['https://evil.example.net/cb'] }, from);
    expect(outside.status).toBe(400);
    expect(outside.body.error).toBe('invalid_redirect_uri');
    const loopback = await register(nativeAgent('Local'), from);
    expect(loopback.status).toBe(400);
    const inside = await register({ ...nativeAgent('Insider'), application_type: 'web', redirect_uris: ['https://app.tools.example.org/cb'] }, from);
    expect(inside.status).toBe(201);
    expect((await json('registration', 'set', '--no-allowed-domains')).allowed_domains).toEqual([]);
  });

  it('caps the apps registered from one address', async () => {
    await json('registration', 'set', '--max-apps-per-ip', '2');
    const from = newAddress();
    expect((await register(nativeAgent('One', 41001), from)).status).toBe(201);
    expect((await register(nativeAgent('Two', 41002), from)).status).toBe(201);
    const third = await register(nativeAgent('Three', 41003), from);
    expect(third.status).toBe(403);
    expect(third.body.error).toBe('access_denied');
    expect((await register(nativeAgent('Elsewhere', 41004), newAddress())).status).toBe(201);
    await json('registration', 'set', '--max-apps-per-ip', '20');
  });

  it('slows down an address that registers too often: 429 with Retry-After', async () => {
    const from = newAddress();
    for (let i = 0; i < 6; i++) await register(nativeAgent('Same', 42000), from);
    const throttled = await register(nativeAgent('Same', 42000), from);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await register(nativeAgent('Same', 42000), newAddress())).status).toBe(201);
  });

  it('requires an initial access token when the policy says so', async () => {
    await json('registration', 'set', '--require-initial-access-token', 'true');
    const from = newAddress();
    const without = await register(nativeAgent('No token', 43001), from);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await register(nativeAgent('Wrong token', 43001), from, 'made-up')).status).toBe(401);
    const { token } = await json('registration', 'token', 'create', '--name', 'Partner CI');
    expect((await register(nativeAgent('With token', 43001), from, token)).status).toBe(201);
    await json('registration', 'set', '--require-initial-access-token', 'false');
  });

  it('removes apps nobody used for the policy\'s days, with an audit event', async () => {
    const from = newAddress();
    const stale = await register(nativeAgent('Forgotten', 44001), from);
    const fresh = await register(nativeAgent('Busy', 44002), from);
    const admin = await sesame.createApp({ name: 'Old admin app', type: 'spa', third_party: true, redirect_uris: ['https://old.example.com/cb'] });
    // Forty days pass for two of them.
    await sesame.sesame.db.updateTable('applications').set({ last_used_at: sql`now() - interval '40 days'`, created_at: sql`now() - interval '40 days'` })
      .where('id', 'in', [stale.body.client_id, admin.clientId]).execute();
    const { removed } = await json('registration', 'sweep');
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = await sesame.sesame.db.selectFrom('applications').select('id').where('id', 'in', [stale.body.client_id, fresh.body.client_id, admin.clientId]).execute();
    expect(left.map((r) => r.id).sort()).toEqual([fresh.body.client_id, admin.clientId].sort());
    const event = await sesame.sesame.db.selectFrom('audit_events').selectAll().where('type', '=', 'app.removed').where('client_id', '=', stale.body.client_id).executeTakeFirst();
    expect(event?.details).toMatchObject({ reason: 'unused', origin: 'dcr' });
  });
});

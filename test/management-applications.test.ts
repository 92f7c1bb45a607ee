import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { apiClient, clientCredentials, managementToken, expectProblem } from './support/management.ts';

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
const logs = captureLogs();

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_LOG_LEVEL: 'debug' }, { logger: logs.logger });
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

const webApp = (extra: Record<string, unknown> = {}) => ({
  name: 'Partner web', type: 'traditional', redirect_uris: ['https://partner.example.com/callback'], ...extra,
});

describe('create', () => {
  it('creates a traditional app and returns its secret once', async () => {
    const response = await api('POST', '/api/applications', webApp({ description: 'A partner', cors_origins: ['https://extra.example.com'] }));
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/api/applications/${response.body.id}`);
    expect(response.body).toMatchObject({
      client_id: response.body.id, name: 'Partner web', description: 'A partner', type: 'traditional', third_party: false,
      redirect_uris: ['https://partner.example.com/callback'], cors_origins: ['https://extra.example.com'],
      refresh_token_ttl_days: 14, rotate_refresh_token: true, management_access: false,
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const fetched = await api('GET', `/api/applications/${response.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.client_secret).toBeUndefined();
  });

  it('creates a public app without a secret', async () => {
    const response = await api('POST', '/api/applications', { name: 'SPA', type: 'spa', third_party: true, redirect_uris: ['https://spa.example.com/cb'] });
    expect(response.status).toBe(201);
    expect(response.body.client_secret).toBeUndefined();
    expect(response.body.third_party).toBe(true);
  });

  it('400 with field errors for a body that does not fit the schema', async () => {
    const response = await api('POST', '/api/applications', { name: '', type: 'desktop', redirect_uris: 'https://x.example.com', extra: 1 });
    expectProblem(response, 400, 'request.invalid');
    const pointers = response.body.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/name', '/type', '/redirect_uris']));
  });

  it('400 for malformed JSON and 415 for a body that is not JSON', async () => {
    expectProblem(await api('POST', '/api/applications', '{"name":'), 400, 'request.malformed_json');
    expectProblem(await api('POST', '/api/applications', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'request.unsupported_media_type');
  });

  it('400 for NUL characters anywhere, 413 for a body that is too large', async () => {
    const nul = await api('POST', '/api/applications', { name: 'a\u0000b', type: 'spa' });
    expectProblem(nul, 400, 'request.invalid');
    expect(nul.body.errors).toEqual([{ pointer: '/name', detail: expect.any(String) }]);
    expectProblem(await api('GET', '/api/applications/abc%00def'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/applications?q=%00'), 400, 'request.invalid');
    expectProblem(await api('POST', '/api/applications', { name: 'x'.repeat(300_000), type: 'spa' }), 413, 'request.too_large');
  });

  it('422 naming each URI and the rule it breaks', async () => {
    const response = await api('POST', '/api/applications', webApp({
      redirect_uris: ['https://ok.example.com/cb', 'http://partner.example.com/cb', 'https://partner.example.com/cb#frag', 'javascript:alert(1)'],
      cors_origins: ['https://origin.example.com/path'],
    }));
    expectProblem(response, 422, 'application.invalid');
    expect(response.body.errors).toEqual([
      { pointer: '/redirect_uris/1', detail: expect.stringMatching(/"http:\/\/partner\.example\.com\/cb" must use https/) },
      { pointer: '/redirect_uris/2', detail: expect.stringMatching(/fragment/) },
      { pointer: '/redirect_uris/3', detail: expect.stringMatching(/javascript/) },
      { pointer: '/cors_origins/0', detail: expect.stringMatching(/origin only/) },
    ]);
  });

  it('422 for an m2m app that is third-party or has redirect URIs', async () => {
    const response = await api('POST', '/api/applications', { name: 'Bot', type: 'm2m', third_party: true, redirect_uris: ['https://x.example.com/cb'] });
    expectProblem(response, 422, 'application.invalid');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/third_party', '/redirect_uris']);
  });
});

describe('list', () => {
  let ids: string[];

  beforeAll(async () => {
    ids = [];
    for (const [name, type, thirdParty] of [['Alpha listing', 'spa', true], ['Beta listing', 'native', false], ['Gamma listing', 'm2m', false]] as const) {
      const body = type === 'm2m' ? { name, type } : { name, type, third_party: thirdParty, redirect_uris: [type === 'native' ? 'com.example.app:/cb' : 'https://a.example.com/cb'] };
      const response = await api('POST', '/api/applications', { ...body, description: `the ${name.split(' ')[0]!.toLowerCase()} 100%_app` });
      expect(response.status).toBe(201);
      ids.push(response.body.id);
    }
  });

  it('filters by type and third_party, and searches name, description and client id', async () => {
    const thirdParty = await api('GET', '/api/applications?third_party=true&q=listing');
    expect(thirdParty.body.data.map((a: { name: string }) => a.name)).toEqual(['Alpha listing']);
    const firstParty = await api('GET', '/api/applications?third_party=false&q=listing');
    expect(firstParty.body.data.map((a: { name: string }) => a.name)).toEqual(['Gamma listing', 'Beta listing']);
    expect((await api('GET', '/api/applications?type=native&q=LISTING')).body.total).toBe(1);
    expect((await api('GET', `/api/applications?q=${ids[1]}`)).body.data.map((a: { id: string }) => a.id)).toEqual([ids[1]]);
    expect((await api('GET', '/api/applications?q=gamma')).body.total).toBe(1);
    // LIKE wildcards are searched literally.
    expect((await api('GET', '/api/applications?q=100%25_app')).body.total).toBe(3);
    expect((await api('GET', '/api/applications?q=%25%25%25')).body.total).toBe(0);
  });

  it('pages by offset with a total, and by cursor', async () => {
    const first = await api('GET', '/api/applications?q=listing&limit=2');
    expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.body.data).toHaveLength(2);
    const second = await api('GET', '/api/applications?q=listing&limit=2&offset=2');
    expect(second.body.data.map((a: { id: string }) => a.id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeUndefined();

    const byCursor = await api('GET', `/api/applications?q=listing&limit=2&cursor=${first.body.next_cursor}`);
    expect(byCursor.body.data.map((a: { id: string }) => a.id)).toEqual([ids[0]]);
    expect(byCursor.body.total).toBe(3);
  });

  it('400 for bad query parameters', async () => {
    expectProblem(await api('GET', '/api/applications?limit=0'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/applications?limit=abc'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/applications?type=desktop'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/applications?third_party=maybe'), 400, 'request.invalid');
    const cursor = await api('GET', '/api/applications?cursor=not-a-cursor');
    expectProblem(cursor, 400, 'request.invalid_cursor');
  });
});

describe('get, update, delete', () => {
  it('404 for an unknown app on every route', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/applications/nope'], ['PATCH', '/api/applications/nope', { name: 'x' }], ['DELETE', '/api/applications/nope'],
      ['GET', '/api/applications/nope/endpoints'], ['GET', '/api/applications/nope/secrets'], ['POST', '/api/applications/nope/secrets', { name: 'x' }],
      ['DELETE', '/api/applications/nope/secrets/sec_x'],
    ] as const) {
      expectProblem(await api(method, path, body), 404, 'application.not_found');
    }
  });

  it('updates settings; lists replace; type and third_party never change', async () => {
    const { body: created } = await api('POST', '/api/applications', webApp());
    const response = await api('PATCH', `/api/applications/${created.id}`, {
      name: 'Renamed', description: null, redirect_uris: ['https://partner.example.com/new'], post_logout_redirect_uris: ['https://partner.example.com/bye'],
      cors_origins: ['https://more.example.com'], refresh_token_ttl_days: 30, rotate_refresh_token: false, type: 'traditional', third_party: false,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Renamed', description: null, redirect_uris: ['https://partner.example.com/new'], post_logout_redirect_uris: ['https://partner.example.com/bye'],
      cors_origins: ['https://more.example.com'], refresh_token_ttl_days: 30, rotate_refresh_token: false,
    });
    expect(Date.parse(response.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));

    const immutable = await api('PATCH', `/api/applications/${created.id}`, { type: 'spa', third_party: true });
    expectProblem(immutable, 422, 'application.immutable');
    expect(immutable.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/type', '/third_party']);

    const badUri = await api('PATCH', `/api/applications/${created.id}`, { redirect_uris: ['https://user@partner.example.com/cb'] });
    expectProblem(badUri, 422, 'application.invalid');
    expect(badUri.body.errors[0]).toEqual({ pointer: '/redirect_uris/0', detail: expect.stringContaining('user information') });

    expectProblem(await api('PATCH', `/api/applications/${created.id}`, { refresh_token_ttl_days: 0 }), 400, 'request.invalid');
    expectProblem(await api('PATCH', `/api/applications/${created.id}`, { client_secret: 'x' }), 400, 'request.invalid');
    expect((await api('GET', `/api/applications/${created.id}`)).body.name).toBe('Renamed');
  });

  it('applies a change to the token endpoint at once', async () => {
    const { body: created } = await api('POST', '/api/applications', webApp());
    expect((await api('PATCH', `/api/applications/${created.id}`, { redirect_uris: ['https://partner.example.com/changed'] })).status).toBe(200);
    const auth = await fetch(`${sesame.url}/oidc/auth?${new URLSearchParams({
      client_id: created.id, response_type: 'code', scope: 'openid', redirect_uri: 'https://partner.example.com/callback',
    })}`, { redirect: 'manual' });
    expect(auth.status).toBe(400);
  });

  it('deletes an app and everything issued to it', async () => {
    const { body: created } = await api('POST', '/api/applications', { name: 'Short-lived', type: 'm2m' });
    const issued = await clientCredentials(sesame, { clientId: created.id, clientSecret: created.client_secret });
    expect(issued.status).toBe(200);
    const response = await api('DELETE', `/api/applications/${created.id}`);
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expectProblem(await api('GET', `/api/applications/${created.id}`), 404, 'application.not_found');
    expect((await clientCredentials(sesame, { clientId: created.id, clientSecret: created.client_secret })).status).toBe(401);
    expectProblem(await api('DELETE', `/api/applications/${created.id}`), 404, 'application.not_found');
  });
});

describe('built-in apps', () => {
  it('shows the account and console apps by id, keeps them out of lists, and refuses to change or delete them', async () => {
    for (const id of ['sesame-account', 'sesame-console']) {
      expect((await api('GET', `/api/applications/${id}`)).status).toBe(200);
      expectProblem(await api('PATCH', `/api/applications/${id}`, { name: 'Mine now' }), 409, 'application.built_in');
      expectProblem(await api('DELETE', `/api/applications/${id}`), 409, 'application.built_in');
      expectProblem(await api('POST', `/api/applications/${id}/secrets`, { name: 'extra' }), 409, 'application.built_in');
    }
    const listed = await api('GET', '/api/applications?limit=100');
    expect(listed.body.data.map((a: { id: string }) => a.id)).not.toEqual(expect.arrayContaining(['sesame-account']));
    expect(listed.body.data.map((a: { id: string }) => a.id)).not.toEqual(expect.arrayContaining(['sesame-console']));
  });
});

describe('endpoints', () => {
  it("lists the endpoints the app uses, matching discovery", async () => {
    const { body: created } = await api('POST', '/api/applications', webApp());
    const response = await api('GET', `/api/applications/${created.id}/endpoints`);
    const discovery = await (await fetch(`${sesame.url}/.well-known/openid-configuration`)).json() as Record<string, string>;
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      issuer: discovery.issuer,
      discovery: `${sesame.url}/.well-known/openid-configuration`,
      authorization_endpoint: discovery.authorization_endpoint,
      token_endpoint: discovery.token_endpoint,
      userinfo_endpoint: discovery.userinfo_endpoint,
      jwks_uri: discovery.jwks_uri,
      end_session_endpoint: discovery.end_session_endpoint,
      revocation_endpoint: discovery.revocation_endpoint,
      introspection_endpoint: discovery.introspection_endpoint,
      client_id: created.id,
    });
  });
});

describe('secrets', () => {
  it('rotates with two live secrets, lists them without values, and deletes the old one', async () => {
    const { body: created } = await api('POST', '/api/applications', { name: 'Rotating', type: 'm2m' });
    const first = { clientId: created.id, clientSecret: created.client_secret as string };

    const made = await api('POST', `/api/applications/${created.id}/secrets`, { name: 'Second', expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: expect.stringMatching(/^sec_/), name: 'Second', expired: false, value: expect.any(String) });
    expect(made.body.last_chars).toBe(made.body.value.slice(-4));
    const second = { clientId: created.id, clientSecret: made.body.value as string };

    expect((await clientCredentials(sesame, first)).status).toBe(200);
    expect((await clientCredentials(sesame, second)).status).toBe(200);

    const listed = await api('GET', `/api/applications/${created.id}/secrets`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((s: { name: string }) => s.name)).toEqual(['Second', 'Default']);
    for (const secret of listed.body.data) expect(Object.keys(secret).sort()).toEqual(['created_at', 'expired', 'expires_at', 'id', 'last_chars', 'name']);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(first.clientSecret);
    expect(text).not.toContain(second.clientSecret);

    const defaultId = listed.body.data.find((s: { name: string }) => s.name === 'Default').id;
    expect((await api('DELETE', `/api/applications/${created.id}/secrets/${defaultId}`)).status).toBe(204);
    expect((await clientCredentials(sesame, first)).status).toBe(401);
    expect((await clientCredentials(sesame, second)).status).toBe(200);
    expectProblem(await api('DELETE', `/api/applications/${created.id}/secrets/${defaultId}`), 404, 'secret.not_found');
  });

  it('refuses secrets for public apps, past expiries and bad bodies', async () => {
    const { body: spa } = await api('POST', '/api/applications', { name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example.com/cb'] });
    expectProblem(await api('POST', `/api/applications/${spa.id}/secrets`, { name: 'x' }), 422, 'application.public_client');
    expectProblem(await api('GET', `/api/applications/${spa.id}/secrets`), 422, 'application.public_client');

    const { body: web } = await api('POST', '/api/applications', webApp());
    const past = await api('POST', `/api/applications/${web.id}/secrets`, { name: 'Old', expires_at: '2020-01-01T00:00:00Z' });
    expectProblem(past, 422, 'secret.expiry_in_past');
    expect(past.body.errors).toEqual([{ pointer: '/expires_at', detail: expect.any(String) }]);
    expectProblem(await api('POST', `/api/applications/${web.id}/secrets`, { name: 'x', expires_at: 'tomorrow' }), 400, 'request.invalid');
    expectProblem(await api('POST', `/api/applications/${web.id}/secrets`, {}), 400, 'request.invalid');
  });

  it('409 when an app already holds the most secrets it may', async () => {
    const { body: web } = await api('POST', '/api/applications', webApp());
    for (let i = 1; i < 20; i++) expect((await api('POST', `/api/applications/${web.id}/secrets`, { name: `s${i}` })).status).toBe(201);
    expectProblem(await api('POST', `/api/applications/${web.id}/secrets`, { name: 'one too many' }), 409, 'secret.limit_reached');
  });

  it('an expired secret fails with invalid_client saying it expired, and the list marks it expired', async () => {
    const { body: created } = await api('POST', '/api/applications', { name: 'Expiring', type: 'm2m' });
    const made = await api('POST', `/api/applications/${created.id}/secrets`, { name: 'Brief', expires_at: new Date(Date.now() + 3600_000).toISOString() });
    // Let it run out (beyond oidc-provider's 15 s clock tolerance) without waiting.
    await sql`UPDATE application_secrets SET expires_at = now() - interval '1 minute' WHERE id = ${made.body.id}`.execute(sesame.sesame.db);
    const response = await clientCredentials(sesame, { clientId: created.id, clientSecret: made.body.value });
    const body = await response.json() as { error: string; error_description: string };
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(/expired/);
    const listed = await api('GET', `/api/applications/${created.id}/secrets`);
    expect(listed.body.data.find((s: { name: string }) => s.name === 'Brief').expired).toBe(true);
  });

  it('never writes a secret to the log', async () => {
    const { body: created } = await api('POST', '/api/applications', { name: 'Logged', type: 'm2m' });
    const made = await api('POST', `/api/applications/${created.id}/secrets`, { name: 'Another' });
    await clientCredentials(sesame, { clientId: created.id, clientSecret: made.body.value });
    await clientCredentials(sesame, { clientId: created.id, clientSecret: created.client_secret });
    const text = logs.text();
    expect(text).toContain('"path":"/api/applications');
    expect(text).not.toContain(created.client_secret);
    expect(text).not.toContain(made.body.value);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken, expectProblem } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** API resources (RFC 8707) and their scopes through the Management API. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

let n = 0;
const indicator = () => `https://api${++n}.example.com`;

describe('resources', () => {
  it('creates, reads, lists, updates and deletes a resource with scopes', async () => {
    const uri = indicator();
    const created = await api('POST', '/api/resources', {
      name: 'Orders API', indicator: uri, access_token_ttl: 600,
      scopes: [{ name: 'orders:read', description: 'Read your orders' }, { name: 'orders:write' }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/resources/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'Orders API', indicator: uri, access_token_ttl: 600 });
    expect(created.body.scopes.map((s: { name: string; description: string }) => [s.name, s.description]))
      .toEqual([['orders:read', 'Read your orders'], ['orders:write', '']]);

    const fetched = await api('GET', `/api/resources/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
    expect(fetched.headers.get('cache-control')).toBe('no-store');

    const listed = await api('GET', `/api/resources?q=${encodeURIComponent('orders')}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toContain(created.body.id);
    expect(listed.body).toMatchObject({ total: expect.any(Number), limit: 20, offset: 0 });

    const updated = await api('PATCH', `/api/resources/${created.body.id}`, { name: 'Orders', access_token_ttl: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Orders', access_token_ttl: null, indicator: uri });

    expect((await api('DELETE', `/api/resources/${created.body.id}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/resources/${created.body.id}`), 404, 'resource.not_found');
    expectProblem(await api('DELETE', `/api/resources/${created.body.id}`), 404, 'resource.not_found');
  });

  it('pages with a cursor', async () => {
    for (let i = 0; i < 3; i++) await api('POST', '/api/resources', { name: `Paged ${i}`, indicator: `urn:sesame:test:paged:${i}` });
    const first = await api('GET', '/api/resources?q=urn:sesame:test:paged&limit=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.total).toBe(3);
    const second = await api('GET', `/api/resources?q=urn:sesame:test:paged&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next_cursor).toBeUndefined();
    expectProblem(await api('GET', '/api/resources?cursor=nonsense'), 400, 'request.invalid_cursor');
  });

  it('refuses the Management API\'s own indicator however it is written', async () => {
    for (const reserved of [`${sesame.url}/api`, `${sesame.url}/api/`, `${sesame.url.toUpperCase().replace('HTTP://', 'http://')}/api`]) {
      const response = await api('POST', '/api/resources', { name: 'Impostor', indicator: reserved });
      expectProblem(response, 422, 'resource.reserved_indicator');
      expect(response.body.errors).toEqual([{ pointer: '/indicator', detail: expect.stringMatching(/reserved/) }]);
    }
  });

  it.each([
    ['a relative URI', '/api/orders'],
    ['a fragment', 'https://api.example.com/#x'],
    ['user information', 'https://user@api.example.com'],
    ['a javascript: URI', 'javascript:alert(1)'],
    ['whitespace', 'https://api.example.com/a b'],
    ['an empty string', ''],
  ])('refuses an indicator with %s', async (_, bad) => {
    expectProblem(await api('POST', '/api/resources', { name: 'Bad', indicator: bad }), 422, 'resource.invalid_indicator');
  });

  it('refuses a registered indicator twice', async () => {
    const uri = indicator();
    expect((await api('POST', '/api/resources', { name: 'One', indicator: uri })).status).toBe(201);
    expectProblem(await api('POST', '/api/resources', { name: 'Two', indicator: uri }), 409, 'resource.indicator_taken');
  });

  it('400 for bodies that do not fit the schema', async () => {
    const response = await api('POST', '/api/resources', { name: '', indicator: 5, access_token_ttl: 10, extra: true });
    expectProblem(response, 400, 'request.invalid');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/name', '/indicator', '/access_token_ttl']));
    const created = await api('POST', '/api/resources', { name: 'Fixed', indicator: indicator() });
    // The indicator is fixed at creation: issued tokens carry it as aud.
    expectProblem(await api('PATCH', `/api/resources/${created.body.id}`, { indicator: 'https://elsewhere.example.com' }), 400, 'request.invalid');
    expectProblem(await api('PATCH', `/api/resources/${created.body.id}`, { access_token_ttl: 100_000 }), 400, 'request.invalid');
    expectProblem(await api('PATCH', '/api/resources/res_missing', { name: 'x' }), 404, 'resource.not_found');
  });

  it('refuses OpenID Connect scope names and duplicates at creation', async () => {
    const response = await api('POST', '/api/resources', { name: 'Bad scopes', indicator: indicator(), scopes: [{ name: 'read' }, { name: 'openid' }, { name: 'read' }] });
    expectProblem(response, 422, 'scope.invalid_name');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/scopes/1/name', '/scopes/2/name']);
  });
});

describe('scopes', () => {
  it('adds, lists, updates and removes scopes', async () => {
    const resource = (await api('POST', '/api/resources', { name: 'Scoped', indicator: indicator() })).body;
    const added = await api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read', description: 'Read things' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ resource_id: resource.id, name: 'read', description: 'Read things' });
    await api('POST', `/api/resources/${resource.id}/scopes`, { name: 'write' });

    const listed = await api('GET', `/api/resources/${resource.id}/scopes`);
    expect(listed.body.data.map((s: { name: string }) => s.name)).toEqual(['read', 'write']);

    const renamed = await api('PATCH', `/api/resources/${resource.id}/scopes/${added.body.id}`, { name: 'read:all', description: 'Read everything' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: added.body.id, name: 'read:all', description: 'Read everything' });

    expect((await api('DELETE', `/api/resources/${resource.id}/scopes/${added.body.id}`)).status).toBe(204);
    expect((await api('GET', `/api/resources/${resource.id}`)).body.scopes.map((s: { name: string }) => s.name)).toEqual(['write']);
    expectProblem(await api('DELETE', `/api/resources/${resource.id}/scopes/${added.body.id}`), 404, 'scope.not_found');
  });

  it('refuses bad scopes', async () => {
    const resource = (await api('POST', '/api/resources', { name: 'Strict', indicator: indicator(), scopes: [{ name: 'read' }, { name: 'write' }] })).body;
    const path = `/api/resources/${resource.id}/scopes`;
    expectProblem(await api('POST', path, { name: 'read' }), 409, 'scope.exists');
    expectProblem(await api('POST', path, { name: 'profile' }), 422, 'scope.invalid_name');
    expectProblem(await api('POST', path, { name: 'has space' }), 400, 'request.invalid');
    expectProblem(await api('POST', path, { name: 'quote"d' }), 400, 'request.invalid');
    expectProblem(await api('POST', path, { name: 'x'.repeat(129) }), 400, 'request.invalid');
    expectProblem(await api('POST', path, {}), 400, 'request.invalid');
    expectProblem(await api('PATCH', `${path}/${resource.scopes[0].id}`, { name: 'write' }), 409, 'scope.exists');
    expectProblem(await api('PATCH', `${path}/scp_missing`, { name: 'other' }), 404, 'scope.not_found');
    expectProblem(await api('POST', '/api/resources/res_missing/scopes', { name: 'read' }), 404, 'resource.not_found');
    expectProblem(await api('GET', '/api/resources/res_missing/scopes'), 404, 'resource.not_found');
  });
});

describe('access', () => {
  it('needs a Management API token', async () => {
    const anonymous = apiClient(sesame);
    expect((await anonymous('GET', '/api/resources')).status).toBe(401);
    expect((await anonymous('POST', '/api/resources', { name: 'x', indicator: indicator() })).status).toBe(401);
  });

  it('is described in the OpenAPI document', async () => {
    const document = (await apiClient(sesame)('GET', '/api/openapi.json')).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining([
      '/api/resources', '/api/resources/{id}', '/api/resources/{id}/scopes', '/api/resources/{id}/scopes/{scopeId}',
      '/api/roles', '/api/roles/{id}', '/api/roles/{id}/scopes', '/api/roles/{id}/users', '/api/users/{id}/roles',
      '/api/applications/{id}/permissions', '/api/applications/{id}/branding', '/api/users/{id}/grants',
      '/api/users/{id}/grants/{clientId}', '/api/audit-events',
    ]));
    expect(document.paths['/api/resources'].post.responses).toHaveProperty('422');
    expect(document.components.schemas).toHaveProperty('ApiResource');
  });
});

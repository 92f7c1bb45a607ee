import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken, expectProblem } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** A third-party app's permissions (its allowlist) and its consent-screen branding. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let partner: string;
let nativePartner: string;
let firstParty: string;
let machine: string;
let scopeIds: { read: string; write: string };
const indicator = 'https://photos.example.com';

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  partner = (await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: ['https://partner.example.com/cb'] })).clientId;
  nativePartner = (await sesame.createApp({ name: 'Desktop', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/cb'] })).clientId;
  firstParty = (await sesame.createApp({ name: 'Ours', type: 'spa', redirect_uris: ['https://ours.example.com/cb'] })).clientId;
  machine = (await sesame.createApp({ name: 'Robot', type: 'm2m' })).clientId;
  const resource = await api('POST', '/api/resources', { name: 'Photos', indicator, scopes: [{ name: 'photos:read' }, { name: 'photos:write' }] });
  const [read, write] = resource.body.scopes.map((s: { id: string }) => s.id);
  scopeIds = { read, write };
});
afterAll(async () => sesame?.stop());

describe('permissions', () => {
  it('start empty, with openid and offline_access always allowed', async () => {
    const response = await api('GET', `/api/applications/${nativePartner}/permissions`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ user_scopes: [], resource_scopes: [], always_allowed: ['openid', 'offline_access'] });
  });

  it('are replaced by PUT, by indicator and name or by scope id', async () => {
    const put = await api('PUT', `/api/applications/${partner}/permissions`, {
      user_scopes: ['profile', 'email', 'openid', 'email'],
      resource_scopes: [{ resource: indicator, scope: 'photos:read' }, { scope_id: scopeIds.write }],
    });
    expect(put.status).toBe(200);
    expect(put.body.user_scopes).toEqual(['email', 'profile']);
    expect(put.body.resource_scopes).toEqual([
      { id: scopeIds.read, name: 'photos:read', description: '', resource_id: expect.any(String), resource_indicator: indicator, resource_name: 'Photos' },
      expect.objectContaining({ id: scopeIds.write, name: 'photos:write' }),
    ]);
    expect((await api('GET', `/api/applications/${partner}/permissions`)).body).toEqual(put.body);

    const replaced = await api('PUT', `/api/applications/${partner}/permissions`, { user_scopes: ['address'] });
    expect(replaced.body).toMatchObject({ user_scopes: ['address'], resource_scopes: [] });
  });

  it('take single entries with POST and DELETE', async () => {
    await api('PUT', `/api/applications/${partner}/permissions`, { user_scopes: ['profile'] });
    const added = await api('POST', `/api/applications/${partner}/permissions`, { user_scopes: ['phone', 'profile'], resource_scopes: [{ scope_id: scopeIds.read }] });
    expect(added.body.user_scopes).toEqual(['phone', 'profile']);
    expect(added.body.resource_scopes.map((s: { id: string }) => s.id)).toEqual([scopeIds.read]);

    expect((await api('DELETE', `/api/applications/${partner}/permissions/user-scopes/phone`)).status).toBe(204);
    expect((await api('DELETE', `/api/applications/${partner}/permissions/resource-scopes/${scopeIds.read}`)).status).toBe(204);
    expect((await api('GET', `/api/applications/${partner}/permissions`)).body).toMatchObject({ user_scopes: ['profile'], resource_scopes: [] });
    expectProblem(await api('DELETE', `/api/applications/${partner}/permissions/user-scopes/phone`), 404, 'permission.not_found');
    expectProblem(await api('DELETE', `/api/applications/${partner}/permissions/resource-scopes/${scopeIds.read}`), 404, 'permission.not_found');
    expectProblem(await api('DELETE', `/api/applications/${partner}/permissions/user-scopes/openid`), 400, 'request.invalid');
  });

  it('never take the Management API\'s scopes', async () => {
    for (const resource of [`${sesame.url}/api`, `${sesame.url}/api/`]) {
      const response = await api('PUT', `/api/applications/${partner}/permissions`, { resource_scopes: [{ resource, scope: 'management' }] });
      expectProblem(response, 422, 'permission.reserved_scope');
      expect(response.body.errors).toEqual([{ pointer: '/resource_scopes/0', detail: expect.stringMatching(/Management API/) }]);
    }
    expectProblem(await api('POST', `/api/applications/${partner}/permissions`, { resource_scopes: [{ resource: `${sesame.url}/api`, scope: 'management' }] }), 422, 'permission.reserved_scope');
  });

  it('refuse unknown scopes and leave the allowlist as it was', async () => {
    await api('PUT', `/api/applications/${partner}/permissions`, { user_scopes: ['email'] });
    const unknown = await api('PUT', `/api/applications/${partner}/permissions`, {
      user_scopes: ['profile'],
      resource_scopes: [{ resource: indicator, scope: 'photos:read' }, { resource: indicator, scope: 'photos:delete' }, { scope_id: 'scp_nope' }],
    });
    expectProblem(unknown, 422, 'permission.unknown_scope');
    expect(unknown.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/resource_scopes/1', '/resource_scopes/2']);
    expect((await api('GET', `/api/applications/${partner}/permissions`)).body.user_scopes).toEqual(['email']);

    const bad = await api('PUT', `/api/applications/${partner}/permissions`, { user_scopes: ['admin'], resource_scopes: [{ resource: indicator }], extra: 1 });
    expectProblem(bad, 400, 'request.invalid');
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/user_scopes/0', '/resource_scopes/0']));
  });

  it('are refused for a first-party interactive app', async () => {
    expectProblem(await api('GET', `/api/applications/${firstParty}/permissions`), 422, 'application.not_third_party');
    expectProblem(await api('PUT', `/api/applications/${firstParty}/permissions`, { user_scopes: ['email'] }), 422, 'application.not_third_party');
    expectProblem(await api('POST', `/api/applications/${firstParty}/permissions`, { user_scopes: ['email'] }), 422, 'application.not_third_party');
    expectProblem(await api('DELETE', `/api/applications/${firstParty}/permissions/user-scopes/email`), 422, 'application.not_third_party');
  });

  it('of an m2m app hold API resource scopes only (test/m2m-permissions.test.ts has the rest)', async () => {
    expect((await api('GET', `/api/applications/${machine}/permissions`)).body).toEqual({ user_scopes: [], resource_scopes: [], always_allowed: [] });
    expectProblem(await api('PUT', `/api/applications/${machine}/permissions`, { user_scopes: ['email'] }), 422, 'permission.m2m_user_scope');
    expectProblem(await api('DELETE', `/api/applications/${machine}/permissions/user-scopes/email`), 404, 'permission.not_found');
  });

  it('404 for an unknown app', async () => {
    expectProblem(await api('GET', '/api/applications/nope/permissions'), 404, 'application.not_found');
    expectProblem(await api('PUT', '/api/applications/nope/permissions', {}), 404, 'application.not_found');
  });
});

describe('branding', () => {
  const full = {
    display_name: 'Partner Photos',
    logo_url: 'https://cdn.partner.example.com/logo.png',
    logo_dark_url: 'http://localhost:8080/logo-dark.png',
    terms_url: 'https://partner.example.com/terms?lang=en',
    privacy_url: 'http://[::1]:3000/privacy',
  };

  it('is set with PUT, changed with PATCH and cleared with empty values', async () => {
    expect((await api('GET', `/api/applications/${partner}/branding`)).body).toEqual({
      display_name: null, logo_url: null, logo_dark_url: null, terms_url: null, privacy_url: null,
    });
    const put = await api('PUT', `/api/applications/${partner}/branding`, full);
    expect(put.status).toBe(200);
    expect(put.body).toEqual(full);
    expect((await api('GET', `/api/applications/${partner}/branding`)).body).toEqual(full);

    const patched = await api('PATCH', `/api/applications/${partner}/branding`, { logo_dark_url: '', terms_url: null, display_name: '  Photos  ' });
    expect(patched.body).toEqual({ ...full, display_name: 'Photos', logo_dark_url: null, terms_url: null });

    // The display name is the client_name the provider shows; the app's own name is untouched.
    expect((await api('GET', `/api/applications/${partner}`)).body.name).toBe('Partner');

    const replaced = await api('PUT', `/api/applications/${partner}/branding`, { logo_url: full.logo_url });
    expect(replaced.body).toEqual({ display_name: null, logo_url: full.logo_url, logo_dark_url: null, terms_url: null, privacy_url: null });
  });

  it.each([
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['JaVaScRiPt: in mixed case', 'JaVaScRiPt:alert(1)'],
    ['data:', 'data:image/svg+xml,<svg onload=alert(1)>'],
    ['http on a public host', 'http://partner.example.com/logo.png'],
    ['a fragment', 'https://partner.example.com/logo.png#x'],
    ['user information', 'https://user:pass@partner.example.com/logo.png'],
    ['a relative URL', '/logo.png'],
    ['a protocol-relative URL', '//evil.example.com/logo.png'],
    ['whitespace', 'https://partner.example.com/a b.png'],
    ['a backslash', 'https:\\\\evil.example.com'],
    ['too many characters', `https://partner.example.com/${'a'.repeat(2100)}`],
  ])('refuses a URL with %s', async (_, url) => {
    await api('PUT', `/api/applications/${partner}/branding`, { logo_url: full.logo_url });
    const response = await api('PATCH', `/api/applications/${partner}/branding`, { terms_url: url });
    expectProblem(response, 422, 'branding.invalid_url');
    expect(response.body.errors).toEqual([{ pointer: '/terms_url', detail: expect.any(String) }]);
    expect((await api('GET', `/api/applications/${partner}/branding`)).body.terms_url).toBeNull();
  });

  it('reports every bad URL at once', async () => {
    const response = await api('PUT', `/api/applications/${partner}/branding`, { logo_url: 'http://evil.example.com/x.png', privacy_url: 'javascript:x' });
    expectProblem(response, 422, 'branding.invalid_url');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/logo_url', '/privacy_url']);
  });

  it('refuses bodies that do not fit the schema', async () => {
    expectProblem(await api('PATCH', `/api/applications/${partner}/branding`, { logo_url: 5, color: 'red' }), 400, 'request.invalid');
    expectProblem(await api('PATCH', `/api/applications/${partner}/branding`, { display_name: 'x'.repeat(257) }), 400, 'request.invalid');
  });

  it.each([['a first-party app', () => firstParty], ['an m2m app', () => machine]])('is refused for %s', async (_, app) => {
    expectProblem(await api('GET', `/api/applications/${app()}/branding`), 422, 'application.not_third_party');
    expectProblem(await api('PUT', `/api/applications/${app()}/branding`, { display_name: 'X' }), 422, 'application.not_third_party');
    expectProblem(await api('PATCH', `/api/applications/${app()}/branding`, { display_name: 'X' }), 422, 'application.not_third_party');
  });

  it('404 for an unknown app', async () => {
    expectProblem(await api('GET', '/api/applications/nope/branding'), 404, 'application.not_found');
  });
});

import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { apiClient, clientCredentials, expectProblem, managementToken } from './support/management.ts';
import { expectOAuthError } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * A machine-to-machine app's permissions (issue 12 §2): the scopes of a registered API resource it may obtain for
 * itself with client credentials, set through the Management API and the CLI, and what its tokens then carry.
 */

const indicator = 'https://reports.example.com';
let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let robot: { clientId: string; clientSecret: string };
let scopeIds: Record<'read' | 'write' | 'export', string>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const app = await sesame.createApp({ name: 'Nightly export', type: 'm2m' });
  robot = { clientId: app.clientId, clientSecret: app.clientSecret! };
  const resource = await api('POST', '/api/resources', { name: 'Reports', indicator, scopes: [{ name: 'reports:read' }, { name: 'reports:write' }, { name: 'reports:export' }] });
  const byName = Object.fromEntries(resource.body.scopes.map((s: { id: string; name: string }) => [s.name.split(':')[1], s.id]));
  scopeIds = byName as typeof scopeIds;
});
afterAll(async () => sesame?.stop());

const { json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_ISSUER: sesame.url, SESAME_LOG_LEVEL: 'silent' }));

async function discovered() {
  return client.discovery(new URL(sesame.url), robot.clientId, robot.clientSecret, client.ClientSecretBasic(robot.clientSecret), {
    execute: [client.allowInsecureRequests],
  });
}

describe('an m2m app\'s permissions', () => {
  it('are set and read through the Management API: API resource scopes only', async () => {
    const empty = await api('GET', `/api/applications/${robot.clientId}/permissions`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ user_scopes: [], resource_scopes: [], always_allowed: [] });

    const put = await api('PUT', `/api/applications/${robot.clientId}/permissions`, {
      resource_scopes: [{ resource: indicator, scope: 'reports:read' }, { scope_id: scopeIds.export }],
    });
    expect(put.status).toBe(200);
    expect(put.body.resource_scopes.map((s: { name: string }) => s.name)).toEqual(['reports:export', 'reports:read']);

    const added = await api('POST', `/api/applications/${robot.clientId}/permissions`, { resource_scopes: [{ scope_id: scopeIds.write }] });
    expect(added.body.resource_scopes.map((s: { name: string }) => s.name)).toEqual(['reports:export', 'reports:read', 'reports:write']);
    expect((await api('DELETE', `/api/applications/${robot.clientId}/permissions/resource-scopes/${scopeIds.export}`)).status).toBe(204);
    expect((await api('GET', `/api/applications/${robot.clientId}/permissions`)).body.resource_scopes.map((s: { name: string }) => s.name))
      .toEqual(['reports:read', 'reports:write']);
  });

  it('never include user data scopes: the app acts for no user', async () => {
    const before = (await api('GET', `/api/applications/${robot.clientId}/permissions`)).body;
    for (const body of [{ user_scopes: ['email'] }, { user_scopes: ['openid'], resource_scopes: [{ scope_id: scopeIds.read }] }]) {
      const refused = await api('PUT', `/api/applications/${robot.clientId}/permissions`, body);
      expectProblem(refused, 422, 'permission.m2m_user_scope');
      expect(refused.body.errors).toEqual([{ pointer: '/user_scopes/0', detail: expect.stringMatching(/machine-to-machine/) }]);
      expectProblem(await api('POST', `/api/applications/${robot.clientId}/permissions`, body), 422, 'permission.m2m_user_scope');
    }
    expect((await api('GET', `/api/applications/${robot.clientId}/permissions`)).body).toEqual(before);
  });

  it('never include the Management API\'s scope, which management access gives', async () => {
    const refused = await api('PUT', `/api/applications/${robot.clientId}/permissions`, { resource_scopes: [{ resource: `${sesame.url}/api`, scope: 'management' }] });
    expectProblem(refused, 422, 'permission.reserved_scope');
    expect(refused.body.errors[0].detail).toMatch(/management access/);
  });

  it('are still refused for a first-party interactive app, whose users get scopes through roles', async () => {
    const ours = await sesame.createApp({ name: 'Ours', type: 'traditional', redirect_uris: ['https://ours.example.com/cb'] });
    expectProblem(await api('GET', `/api/applications/${ours.clientId}/permissions`), 422, 'application.not_third_party');
    expectProblem(await api('PUT', `/api/applications/${ours.clientId}/permissions`, { resource_scopes: [{ scope_id: scopeIds.read }] }), 422, 'application.not_third_party');
  });

  it('are set and shown with the CLI', async () => {
    const set = await json('apps', 'permissions', 'set', '--id', robot.clientId, '--resource-scope', `${indicator}#reports:read`, '--scope-id', scopeIds.write);
    expect(set).toEqual({ user_scopes: [], resource_scopes: [
      { id: scopeIds.read, resource: indicator, scope: 'reports:read' },
      { id: scopeIds.write, resource: indicator, scope: 'reports:write' },
    ], always_allowed: [] });
    expect(await json('apps', 'permissions', 'show', '--id', robot.clientId)).toEqual(set);
    await fails(/machine-to-machine/, 'apps', 'permissions', 'set', '--id', robot.clientId, '--user-scope', 'email');
  });
});

describe('its client-credentials tokens', () => {
  beforeAll(async () => {
    await api('PUT', `/api/applications/${robot.clientId}/permissions`, { resource_scopes: [{ scope_id: scopeIds.read }, { scope_id: scopeIds.write }] });
  });

  it('carry the allowed scopes asked for (openid-client)', async () => {
    const tokens = await client.clientCredentialsGrant(await discovered(), { resource: indicator, scope: 'reports:read reports:write' });
    expect(tokens.scope).toBe('reports:read reports:write');
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: indicator, client_id: robot.clientId, scope: 'reports:read reports:write' });
    expect(claims.sub).toBe(robot.clientId);
  });

  it('leave out a scope not allowed, and the response says what was granted (RFC 6749 §5.1)', async () => {
    const tokens = await client.clientCredentialsGrant(await discovered(), { resource: indicator, scope: 'reports:read reports:export' });
    expect(tokens.scope).toBe('reports:read');
    expect(decodeJwt(tokens.access_token).scope).toBe('reports:read');
  });

  it('are refused with invalid_scope when nothing asked for is allowed', async () => {
    await expectOAuthError(client.clientCredentialsGrant(await discovered(), { resource: indicator, scope: 'reports:export' }), 'invalid_scope');
    const other = await sesame.createApp({ name: 'Not allowed', type: 'm2m' });
    const response = await clientCredentials(sesame, { clientId: other.clientId, clientSecret: other.clientSecret! }, { resource: indicator, scope: 'reports:read' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('work the same for oauth4webapi, found through discovery', async () => {
    const issuer = new URL(sesame.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    expect(as.grant_types_supported).toContain('client_credentials');
    const request = () => oauth.clientCredentialsGrantRequest(as, { client_id: robot.clientId }, oauth.ClientSecretPost(robot.clientSecret),
      new URLSearchParams({ resource: indicator, scope: 'reports:write reports:export' }), { [oauth.allowInsecureRequests]: true });
    const tokens = await oauth.processClientCredentialsResponse(as, { client_id: robot.clientId }, await request());
    expect(tokens.scope).toBe('reports:write');
  });

  it('narrow at once when the allowlist narrows', async () => {
    expect((await api('DELETE', `/api/applications/${robot.clientId}/permissions/resource-scopes/${scopeIds.write}`)).status).toBe(204);
    const tokens = await client.clientCredentialsGrant(await discovered(), { resource: indicator, scope: 'reports:read reports:write' });
    expect(tokens.scope).toBe('reports:read');
  });
});

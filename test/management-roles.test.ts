import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken, expectProblem } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** Roles: named sets of API resource scopes, and who holds them. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let read: string;
let write: string;
let indicator: string;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  indicator = 'https://roles.example.com/api';
  const resource = await api('POST', '/api/resources', { name: 'Roles API', indicator, scopes: [{ name: 'read' }, { name: 'write' }] });
  [read, write] = resource.body.scopes.map((s: { id: string }) => s.id);
});
afterAll(async () => sesame?.stop());

describe('roles', () => {
  it('creates, reads, lists, renames and deletes a role', async () => {
    const created = await api('POST', '/api/roles', { name: 'Viewer', description: 'Reads', scope_ids: [read] });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/roles/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'Viewer', description: 'Reads', user_count: 0,
      scopes: [{ id: read, name: 'read', resource_indicator: indicator, resource_name: 'Roles API' }],
    });
    expect((await api('GET', `/api/roles/${created.body.id}`)).body).toEqual(created.body);
    const listed = await api('GET', '/api/roles?q=view');
    expect(listed.body.data.map((r: { name: string }) => r.name)).toEqual(['Viewer']);
    expect(listed.body.total).toBe(1);

    const renamed = await api('PATCH', `/api/roles/${created.body.id}`, { name: 'Reader', description: '' });
    expect(renamed.body).toMatchObject({ name: 'Reader', description: '' });

    expect((await api('DELETE', `/api/roles/${created.body.id}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/roles/${created.body.id}`), 404, 'role.not_found');
    expectProblem(await api('DELETE', `/api/roles/${created.body.id}`), 404, 'role.not_found');
  });

  it('keeps names unique ignoring case', async () => {
    await api('POST', '/api/roles', { name: 'Editor' });
    expectProblem(await api('POST', '/api/roles', { name: 'EDITOR' }), 409, 'role.exists');
    const other = await api('POST', '/api/roles', { name: 'Other' });
    expectProblem(await api('PATCH', `/api/roles/${other.body.id}`, { name: 'editor' }), 409, 'role.exists');
  });

  it('refuses bad input', async () => {
    const response = await api('POST', '/api/roles', { name: '', scope_ids: 'x', extra: 1 });
    expectProblem(response, 400, 'request.invalid');
    const unknown = await api('POST', '/api/roles', { name: 'Ghostly', scope_ids: [read, 'scp_nope'] });
    expectProblem(unknown, 422, 'scope.unknown');
    expect(unknown.body.errors).toEqual([{ pointer: '/scope_ids/1', detail: expect.stringContaining('scp_nope') }]);
    expectProblem(await api('PATCH', '/api/roles/rol_missing', { name: 'x' }), 404, 'role.not_found');
  });

  it('adds and removes scopes', async () => {
    const role = (await api('POST', '/api/roles', { name: 'Scoped role' })).body;
    const added = await api('POST', `/api/roles/${role.id}/scopes`, { scope_ids: [read, write, read] });
    expect(added.status).toBe(200);
    expect(added.body.scopes.map((s: { name: string }) => s.name)).toEqual(['read', 'write']);
    // Adding again changes nothing.
    expect((await api('POST', `/api/roles/${role.id}/scopes`, { scope_ids: [read] })).body.scopes).toHaveLength(2);

    expect((await api('DELETE', `/api/roles/${role.id}/scopes/${write}`)).status).toBe(204);
    expect((await api('GET', `/api/roles/${role.id}`)).body.scopes.map((s: { name: string }) => s.name)).toEqual(['read']);
    expectProblem(await api('DELETE', `/api/roles/${role.id}/scopes/${write}`), 404, 'role.scope_not_found');
    expectProblem(await api('POST', `/api/roles/${role.id}/scopes`, { scope_ids: [] }), 400, 'request.invalid');
    expectProblem(await api('POST', `/api/roles/${role.id}/scopes`, { scope_ids: ['scp_nope'] }), 422, 'scope.unknown');
    expectProblem(await api('POST', '/api/roles/rol_missing/scopes', { scope_ids: [read] }), 404, 'role.not_found');
  });

  it('loses a scope when its resource scope is removed', async () => {
    const resource = (await api('POST', '/api/resources', { name: 'Short-lived', indicator: 'urn:example:short', scopes: [{ name: 'x' }] })).body;
    const role = (await api('POST', '/api/roles', { name: 'Short', scope_ids: [resource.scopes[0].id] })).body;
    expect(role.scopes).toHaveLength(1);
    await api('DELETE', `/api/resources/${resource.id}`);
    expect((await api('GET', `/api/roles/${role.id}`)).body.scopes).toEqual([]);
  });
});

describe('members', () => {
  it('assigns and unassigns users, seen from the role and from the user', async () => {
    const alice = await sesame.createUser();
    const bob = await sesame.createUser();
    const role = (await api('POST', '/api/roles', { name: 'Member role', scope_ids: [read] })).body;

    expect((await api('POST', `/api/roles/${role.id}/users`, { user_ids: [alice.id] })).status).toBe(204);
    expect((await api('POST', `/api/users/${bob.id}/roles`, { role_ids: [role.id] })).status).toBe(204);
    // Assigning twice is harmless.
    expect((await api('POST', `/api/users/${bob.id}/roles`, { role_ids: [role.id] })).status).toBe(204);

    const members = await api('GET', `/api/roles/${role.id}/users`);
    expect(members.status).toBe(200);
    expect(members.body.data.map((u: { id: string }) => u.id).sort()).toEqual([alice.id, bob.id].sort());
    expect(members.body.data[0]).toMatchObject({ username: expect.any(String), assigned_at: expect.any(String) });
    expect(members.body.data[0].password_hash).toBeUndefined();
    expect((await api('GET', `/api/roles/${role.id}`)).body.user_count).toBe(2);

    const bobsRoles = await api('GET', `/api/users/${bob.id}/roles`);
    expect(bobsRoles.body.data).toEqual([expect.objectContaining({ id: role.id, name: 'Member role', assigned_at: expect.any(String) })]);

    expect((await api('DELETE', `/api/users/${bob.id}/roles/${role.id}`)).status).toBe(204);
    expect((await api('DELETE', `/api/roles/${role.id}/users/${alice.id}`)).status).toBe(204);
    expect((await api('GET', `/api/roles/${role.id}/users`)).body).toMatchObject({ data: [], total: 0 });
    expectProblem(await api('DELETE', `/api/users/${bob.id}/roles/${role.id}`), 404, 'role.not_assigned');
  });

  it('refuses unknown users and roles', async () => {
    const user = await sesame.createUser();
    const role = (await api('POST', '/api/roles', { name: 'Strict members' })).body;
    const unknownUser = await api('POST', `/api/roles/${role.id}/users`, { user_ids: [user.id, 'u_nobody'] });
    expectProblem(unknownUser, 422, 'user.unknown');
    expect(unknownUser.body.errors).toEqual([{ pointer: '/user_ids/1', detail: expect.any(String) }]);
    expect((await api('GET', `/api/roles/${role.id}/users`)).body.total).toBe(0);
    expectProblem(await api('POST', `/api/users/${user.id}/roles`, { role_ids: ['rol_nope'] }), 422, 'role.unknown');
    expectProblem(await api('POST', '/api/users/u_nobody/roles', { role_ids: [role.id] }), 404, 'user.not_found');
    expectProblem(await api('GET', '/api/users/u_nobody/roles'), 404, 'user.not_found');
    expectProblem(await api('POST', '/api/roles/rol_nope/users', { user_ids: [user.id] }), 404, 'role.not_found');
    expectProblem(await api('GET', '/api/roles/rol_nope/users'), 404, 'role.not_found');
    expectProblem(await api('DELETE', `/api/users/${user.id}/roles/rol_nope`), 404, 'role.not_found');
    expectProblem(await api('POST', `/api/users/${user.id}/roles`, { role_ids: 'x' }), 400, 'request.invalid');
    expectProblem(await api('GET', `/api/roles/${role.id}/users?limit=0`), 400, 'request.invalid');
  });

  it('a deleted user leaves the role', async () => {
    const user = await sesame.createUser();
    const role = (await api('POST', '/api/roles', { name: 'Ephemeral', scope_ids: [read] })).body;
    await api('POST', `/api/users/${user.id}/roles`, { role_ids: [role.id] });
    expect((await api('DELETE', `/api/users/${user.id}`)).status).toBe(204);
    expect((await api('GET', `/api/roles/${role.id}`)).body.user_count).toBe(0);
  });
});

import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { User } from '../db/tables.ts';
import { isStorableText } from '../db/text.ts';
import { assertThat, isUniqueViolation, ServiceError, type FieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { PageRequest } from '../pagination.ts';
import type { ScopeWithResource } from '../resources/resource.repository.ts';
import { getUser } from '../users/user.service.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';
import {
  countMembers, deleteRoleRow, deleteRoleScope, deleteUserRole, existingIds, findRoleByIdOrName, findRoleRow,
  insertRole, insertRoleScopes, insertUserRoles, membersOfRole, queryRoles, rolesOfUser, scopesOfRoles, updateRoleRow,
  type RoleRow,
} from './role.repository.ts';

/**
 * Roles: named sets of API resource scopes, assigned to users. A user only ever receives resource scopes a
 * role gives them, whichever app asks.
 */

const idList = (title: string, entry: string) => z.array(z.string().min(1).max(128).meta({ title: entry })).max(500).meta({ title });

/** A role's fields and the lists of ids that name what it gives and who holds it, labelled as the console shows them. */
export const roleFields = {
  name: z.string().trim().min(1).max(128).meta({ title: 'Role name' }),
  description: z.string().trim().max(1024).meta({ title: 'Description' }),
  scope_ids: idList('Scopes', 'Scope'),
  user_ids: idList('Users', 'User'),
  role_ids: idList('Roles', 'Role'),
};

export const newRoleSchema = z.object({
  name: roleFields.name,
  description: roleFields.description.default(''),
  scopeIds: roleFields.scope_ids.default([]),
});
export type NewRoleInput = z.input<typeof newRoleSchema>;

export const roleChangesSchema = z.object({
  name: roleFields.name.optional(),
  description: roleFields.description.optional(),
});
export type RoleChanges = z.input<typeof roleChangesSchema>;

export interface Role extends RoleRow {
  scopes: ScopeWithResource[];
  user_count: number;
}

const notFound = (id: string) => new ServiceError('role.not_found', `no role with id ${JSON.stringify(id)}`, 404);
const nameTaken = (name: string) => new ServiceError('role.exists', `a role named ${JSON.stringify(name)} already exists (names are compared ignoring case)`, 409, [
  { pointer: '/name', detail: sentence(fieldLabel(roleFields.name, []), 'is already taken by another role (names are compared ignoring case)') },
]);

type IdList = 'scope_ids' | 'user_ids' | 'role_ids';

/** The ids of a list, parsed; errors point into the list as the API names it (`/scope_ids/2`). */
function parseIds(list: IdList, ids: string[]): string[] {
  return parseInput(roleFields[list], ids, { prefix: `/${list}` });
}

/** Fails with every id of `wanted` that names no row, each at its place in the request. */
async function assertAllExist(db: Db, table: 'users' | 'roles' | 'api_resource_scopes', wanted: string[], list: IdList, code: string, what: string) {
  const found = await existingIds(db, table, wanted.filter(isStorableText));
  const problems: FieldError[] = wanted.flatMap((id, i) => (found.has(id) ? [] : [{
    pointer: `/${list}/${i}`,
    detail: sentence(fieldLabel(roleFields[list], [i]), `is ${JSON.stringify(id)}, but no ${what} has that ID`),
  }]));
  assertThat(!problems.length, () => new ServiceError(code, problems.map((p) => p.detail).join(' '), 422, problems));
}

async function withDetails(db: Db, rows: RoleRow[]): Promise<Role[]> {
  const ids = rows.map((r) => r.id);
  const [scopes, members] = await Promise.all([scopesOfRoles(db, ids), countMembers(db, ids)]);
  return rows.map((row) => ({
    ...row,
    scopes: scopes.filter((s) => s.role_id === row.id).map(({ role_id: _role, ...scope }) => scope),
    user_count: members.get(row.id) ?? 0,
  }));
}

async function roleRow(db: Db, id: string): Promise<RoleRow> {
  const role = isStorableText(id) ? await findRoleRow(db, id) : undefined;
  assertThat(role, () => notFound(id));
  return role;
}

export async function createRole(db: Db, input: NewRoleInput): Promise<Role> {
  const data = parseInput(newRoleSchema, input);
  const scopeIds = [...new Set(data.scopeIds)];
  await assertAllExist(db, 'api_resource_scopes', data.scopeIds, 'scope_ids', 'scope.unknown', 'API resource scope');
  try {
    const row = await db.transaction().execute(async (trx) => {
      const role = await insertRole(trx, { id: newId('rol_'), name: data.name, description: data.description });
      await insertRoleScopes(trx, role.id, scopeIds);
      return role;
    });
    return (await withDetails(db, [row]))[0]!;
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(data.name);
    throw error;
  }
}

export async function getRole(db: Db, id: string): Promise<Role> {
  return (await withDetails(db, [await roleRow(db, id)]))[0]!;
}

/** A role by id or by name (ignoring case), for the CLI. */
export async function findRole(db: Db, idOrName: string): Promise<Role> {
  const role = isStorableText(idOrName) ? await findRoleByIdOrName(db, idOrName) : undefined;
  assertThat(role, () => new ServiceError('role.not_found', `no role with id or name ${JSON.stringify(idOrName)}`, 404));
  return (await withDetails(db, [role]))[0]!;
}

export async function listRoles(db: Db, search: string | undefined, page: PageRequest) {
  const { rows, total, nextCursor } = await queryRoles(db, search, page);
  return { roles: await withDetails(db, rows), total, nextCursor };
}

export async function updateRole(db: Db, id: string, input: RoleChanges): Promise<Role> {
  const changes = parseInput(roleChangesSchema, input);
  await roleRow(db, id);
  let updated: RoleRow | undefined;
  try {
    updated = await updateRoleRow(db, id, changes);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(changes.name ?? '');
    throw error;
  }
  assertThat(updated, () => notFound(id));
  return (await withDetails(db, [updated]))[0]!;
}

/** Deletes a role; its users lose its scopes from their next token on. */
export async function deleteRole(db: Db, id: string): Promise<void> {
  assertThat(isStorableText(id) && await deleteRoleRow(db, id), () => notFound(id));
}

/** Adds scopes to a role; those it already gives are left as they are. */
export async function addRoleScopes(db: Db, roleId: string, scopeIds: string[]): Promise<Role> {
  const wanted = parseIds('scope_ids', scopeIds);
  await roleRow(db, roleId);
  await assertAllExist(db, 'api_resource_scopes', wanted, 'scope_ids', 'scope.unknown', 'API resource scope');
  await insertRoleScopes(db, roleId, [...new Set(wanted)]);
  return getRole(db, roleId);
}

export async function removeRoleScope(db: Db, roleId: string, scopeId: string): Promise<void> {
  await roleRow(db, roleId);
  assertThat(isStorableText(scopeId) && await deleteRoleScope(db, roleId, scopeId), () => new ServiceError(
    'role.scope_not_found', `role ${roleId} does not give the scope ${JSON.stringify(scopeId)}`, 404,
  ));
}

export async function listRoleMembers(db: Db, roleId: string, page: { limit: number; offset: number }): Promise<{ users: (User & { assigned_at: Date })[]; total: number }> {
  await roleRow(db, roleId);
  const { rows, total } = await membersOfRole(db, roleId, page);
  return { users: rows, total };
}

/** Gives a role to users; those who hold it already keep it. */
export async function assignRoleToUsers(db: Db, roleId: string, userIds: string[]): Promise<void> {
  const wanted = parseIds('user_ids', userIds);
  await roleRow(db, roleId);
  await assertAllExist(db, 'users', wanted, 'user_ids', 'user.unknown', 'user');
  await insertUserRoles(db, [...new Set(wanted)].map((user_id) => ({ user_id, role_id: roleId })));
}

/** Gives roles to a user; roles they hold already are kept. */
export async function assignRolesToUser(db: Db, userId: string, roleIds: string[]): Promise<void> {
  const wanted = parseIds('role_ids', roleIds);
  await getUser(db, userId);
  await assertAllExist(db, 'roles', wanted, 'role_ids', 'role.unknown', 'role');
  await insertUserRoles(db, [...new Set(wanted)].map((role_id) => ({ user_id: userId, role_id })));
}

/** Takes a role from a user: their next token (or refresh) no longer carries its scopes. */
export async function unassignRole(db: Db, userId: string, roleId: string): Promise<void> {
  await getUser(db, userId);
  await roleRow(db, roleId);
  assertThat(await deleteUserRole(db, userId, roleId), () => new ServiceError(
    'role.not_assigned', `user ${userId} does not hold the role ${roleId}`, 404,
  ));
}

export async function listRolesOfUser(db: Db, userId: string) {
  await getUser(db, userId);
  const rows = await rolesOfUser(db, userId);
  const details = await withDetails(db, rows);
  return details.map((role, i) => ({ ...role, assigned_at: rows[i]!.assigned_at }));
}

import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import { pageNewestFirst, type Page } from '../db/paging.ts';
import type { Database, RolesTable, User } from '../db/tables.ts';
import { likePattern, type PageRequest } from '../pagination.ts';

/** SQL only: roles, the resource scopes they give, and the users holding them. */

export type RoleRow = Selectable<RolesTable>;

export async function findRoleRow(db: Db, id: string): Promise<RoleRow | undefined> {
  return db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A role by id, or by name compared case-insensitively (names are unique that way). */
export async function findRoleByIdOrName(db: Db, key: string): Promise<RoleRow | undefined> {
  return db.selectFrom('roles').selectAll()
    .where((eb) => eb.or([eb('id', '=', key), eb(sql<string>`lower(name)`, '=', key.toLowerCase())]))
    .orderBy(sql`id = ${key}`, 'desc')
    .executeTakeFirst();
}

export async function insertRole(db: Db, row: Insertable<RolesTable>): Promise<RoleRow> {
  return db.insertInto('roles').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateRoleRow(db: Db, id: string, changes: Updateable<RolesTable>): Promise<RoleRow | undefined> {
  return db.updateTable('roles').set({ ...changes, updated_at: sql`now()` }).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteRoleRow(db: Db, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('roles').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

function filteredRoles(db: Db, search: string | undefined) {
  let query = db.selectFrom('roles');
  if (search) {
    const pattern = likePattern(search);
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('description', 'ilike', pattern)]));
  }
  return query;
}

/** One page of roles, newest first, and how many match in all. */
export function queryRoles(db: Db, search: string | undefined, page: PageRequest): Promise<Page<RoleRow>> {
  return pageNewestFirst<Database, 'roles', RoleRow>(() => filteredRoles(db, search), page);
}

/** The resource scopes each role gives, with their resource. */
export async function scopesOfRoles(db: Db, roleIds: string[]) {
  if (!roleIds.length) return [];
  return db.selectFrom('role_scopes as rs')
    .innerJoin('api_resource_scopes as s', 's.id', 'rs.scope_id')
    .innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['rs.role_id', 's.id', 's.name', 's.description', 's.resource_id', 'r.indicator', 'r.name as resource_name'])
    .where('rs.role_id', 'in', roleIds)
    .orderBy('r.name').orderBy('s.name')
    .execute();
}

export async function insertRoleScopes(db: Db, roleId: string, scopeIds: string[]): Promise<void> {
  if (!scopeIds.length) return;
  await db.insertInto('role_scopes').values(scopeIds.map((scope_id) => ({ role_id: roleId, scope_id })))
    .onConflict((oc) => oc.doNothing()).execute();
}

export async function deleteRoleScope(db: Db, roleId: string, scopeId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('role_scopes').where('role_id', '=', roleId).where('scope_id', '=', scopeId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export async function countMembers(db: Db, roleIds: string[]): Promise<Map<string, number>> {
  if (!roleIds.length) return new Map();
  const rows = await db.selectFrom('user_roles').select(['role_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('role_id', 'in', roleIds).groupBy('role_id').execute();
  return new Map(rows.map((r) => [r.role_id, Number(r.n)]));
}

/** Users holding a role, most recently assigned first. */
export async function membersOfRole(db: Db, roleId: string, page: { limit: number; offset: number }): Promise<{ rows: (User & { assigned_at: Date })[]; total: number }> {
  const [rows, count] = await Promise.all([
    db.selectFrom('user_roles as ur').innerJoin('users as u', 'u.id', 'ur.user_id')
      .selectAll('u').select('ur.created_at as assigned_at')
      .where('ur.role_id', '=', roleId)
      .orderBy('ur.created_at', 'desc').orderBy('u.id', 'desc')
      .limit(page.limit).offset(page.offset).execute(),
    db.selectFrom('user_roles').select((eb) => eb.fn.countAll<string>().as('n')).where('role_id', '=', roleId).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** A user's roles, by name. */
export async function rolesOfUser(db: Db, userId: string): Promise<(RoleRow & { assigned_at: Date })[]> {
  return db.selectFrom('user_roles as ur').innerJoin('roles as r', 'r.id', 'ur.role_id')
    .selectAll('r').select('ur.created_at as assigned_at')
    .where('ur.user_id', '=', userId).orderBy('r.name').execute();
}

export async function insertUserRoles(db: Db, pairs: { user_id: string; role_id: string }[]): Promise<void> {
  if (!pairs.length) return;
  await db.insertInto('user_roles').values(pairs).onConflict((oc) => oc.doNothing()).execute();
}

export async function deleteUserRole(db: Db, userId: string, roleId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role_id', '=', roleId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export async function existingIds(db: Db, table: 'users' | 'roles' | 'api_resource_scopes', ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.selectFrom(table).select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

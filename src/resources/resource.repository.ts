import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { pageNewestFirst, type Page } from '../db/paging.ts';
import type { ApiResourcesTable, ApiResourceScopesTable, Database } from '../db/tables.ts';
import type { Insertable, Selectable, Updateable } from 'kysely';
import { likePattern, type PageRequest } from '../pagination.ts';

/** SQL only: API resources (RFC 8707) and their scopes. */

export type ApiResourceRow = Selectable<ApiResourcesTable>;
export type ApiResourceScopeRow = Selectable<ApiResourceScopesTable>;

export async function findResourceRow(db: Db, id: string): Promise<ApiResourceRow | undefined> {
  return db.selectFrom('api_resources').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertResource(db: Db, row: Insertable<ApiResourcesTable>): Promise<ApiResourceRow> {
  return db.insertInto('api_resources').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateResourceRow(db: Db, id: string, changes: Updateable<ApiResourcesTable>): Promise<ApiResourceRow | undefined> {
  return db.updateTable('api_resources').set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id).returningAll().executeTakeFirst();
}

/** Deletes a resource; its scopes go with it (cascade), and so do role and allowlist entries naming them. */
export async function deleteResourceRow(db: Db, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('api_resources').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

function filteredResources(db: Db, search: string | undefined) {
  let query = db.selectFrom('api_resources');
  if (search) {
    const pattern = likePattern(search);
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('indicator', 'ilike', pattern)]));
  }
  return query;
}

/** One page, newest first, and how many match in all. */
export function queryResources(
  db: Db,
  search: string | undefined,
  page: PageRequest,
): Promise<Page<ApiResourceRow>> {
  return pageNewestFirst<Database, 'api_resources', ApiResourceRow>(() => filteredResources(db, search), page);
}

/** The scopes of the given resources, by name. */
export async function scopesOfResources(db: Db, resourceIds: string[]): Promise<ApiResourceScopeRow[]> {
  if (!resourceIds.length) return [];
  return db.selectFrom('api_resource_scopes').selectAll()
    .where('resource_id', 'in', resourceIds).orderBy('name').orderBy('id').execute();
}

export async function findScopeRow(db: Db, resourceId: string, scopeId: string): Promise<ApiResourceScopeRow | undefined> {
  return db.selectFrom('api_resource_scopes').selectAll()
    .where('resource_id', '=', resourceId).where('id', '=', scopeId).executeTakeFirst();
}

export async function insertScopes(db: Db, rows: Insertable<ApiResourceScopesTable>[]): Promise<ApiResourceScopeRow[]> {
  if (!rows.length) return [];
  return db.insertInto('api_resource_scopes').values(rows).returningAll().execute();
}

export async function updateScopeRow(
  db: Db,
  resourceId: string,
  scopeId: string,
  changes: Updateable<ApiResourceScopesTable>,
): Promise<ApiResourceScopeRow | undefined> {
  return db.updateTable('api_resource_scopes').set(changes)
    .where('resource_id', '=', resourceId).where('id', '=', scopeId).returningAll().executeTakeFirst();
}

export async function deleteScopeRow(db: Db, resourceId: string, scopeId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('api_resource_scopes')
    .where('resource_id', '=', resourceId).where('id', '=', scopeId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/** A scope with the API resource it belongs to, as a role gives it and an allowlist names it. */
export interface ScopeWithResource {
  id: string;
  name: string;
  description: string;
  resource_id: string;
  indicator: string;
  resource_name: string;
}

/** Scopes with their resource, for references by id (roles, allowlists). */
export async function findScopesWithResource(db: Db, scopeIds: string[]) {
  if (!scopeIds.length) return [];
  return db.selectFrom('api_resource_scopes as s').innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['s.id', 's.name', 's.description', 's.resource_id', 'r.indicator', 'r.name as resource_name'])
    .where('s.id', 'in', scopeIds).execute();
}

/** Scopes named by resource indicator and scope name. */
export async function findScopesByIndicator(db: Db, refs: { indicator: string; scope: string }[]) {
  if (!refs.length) return [];
  return db.selectFrom('api_resource_scopes as s').innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['s.id', 's.name', 's.description', 's.resource_id', 'r.indicator', 'r.name as resource_name'])
    .where((eb) => eb.or(refs.map((ref) => eb.and([eb('r.indicator', '=', ref.indicator), eb('s.name', '=', ref.scope)]))))
    .execute();
}

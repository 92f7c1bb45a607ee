import type { Db } from '../db/database.ts';
import type { UserDataScope } from '../db/tables.ts';
import { scopeDescriptionIn } from '../resources/scope-description.ts';

/** User data scopes an admin may allow a third-party app; `openid` and `offline_access` are always allowed. */
export const userDataScopes = ['profile', 'email', 'phone', 'address', 'roles'] as const satisfies readonly UserDataScope[];

export interface ResourceScopeRef {
  indicator: string;
  resourceName: string;
  scope: string;
  description: string;
}

/** A registered API resource with its scopes, by indicator: one query, as it runs for every token for a resource. */
export async function findResourceByIndicator(db: Db, indicator: string) {
  const rows = await db.selectFrom('api_resources as r')
    .leftJoin('api_resource_scopes as s', 's.resource_id', 'r.id')
    .selectAll('r')
    .select(['s.name as scope_name', 's.description as scope_description'])
    .where('r.indicator', '=', indicator)
    .orderBy('s.name')
    .execute();
  if (!rows.length) return undefined;
  const { scope_name: _name, scope_description: _description, ...resource } = rows[0]!;
  const scopes = rows.flatMap((row) => (row.scope_name === null ? [] : [{ name: row.scope_name, description: row.scope_description ?? '' }]));
  return { ...resource, scopes };
}

/** The user data scopes on an app's allowlist. */
export async function allowedUserScopes(db: Db, applicationId: string): Promise<UserDataScope[]> {
  const rows = await db.selectFrom('application_user_scopes').select('scope')
    .where('application_id', '=', applicationId).orderBy('scope').execute();
  return rows.map((r) => r.scope);
}

/** The API resource scopes on an app's allowlist, optionally of one resource. */
export async function allowedResourceScopes(db: Db, applicationId: string, indicator?: string): Promise<ResourceScopeRef[]> {
  let query = db.selectFrom('application_resource_scopes as ars')
    .innerJoin('api_resource_scopes as s', 's.id', 'ars.scope_id')
    .innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['r.indicator', 'r.name as resourceName', 's.name as scope', 's.description'])
    .where('ars.application_id', '=', applicationId);
  if (indicator) query = query.where('r.indicator', '=', indicator);
  return query.orderBy('r.name').orderBy('s.name').execute();
}

/** The API resource scopes a user holds through their roles, optionally of one resource. */
export async function heldResourceScopes(db: Db, userId: string, indicator?: string): Promise<ResourceScopeRef[]> {
  let query = db.selectFrom('user_roles as ur')
    .innerJoin('role_scopes as rs', 'rs.role_id', 'ur.role_id')
    .innerJoin('api_resource_scopes as s', 's.id', 'rs.scope_id')
    .innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['r.indicator', 'r.name as resourceName', 's.name as scope', 's.description'])
    .where('ur.user_id', '=', userId)
    .distinct();
  if (indicator) query = query.where('r.indicator', '=', indicator);
  return query.orderBy('r.name').orderBy('s.name').execute();
}

/** Names of the user's roles, for the `roles` claim. */
export async function roleNamesOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_roles as ur').innerJoin('roles as r', 'r.id', 'ur.role_id')
    .select('r.name').where('ur.user_id', '=', userId).orderBy('r.name').execute();
  return rows.map((r) => r.name);
}

/**
 * Describes resource scopes by indicator and name in `locale`, for the consent screen and the account page: each
 * scope's translation, else its description, else its name (src/resources/scope-description.ts).
 */
export async function describeResourceScopes(db: Db, indicators: string[], locale: string): Promise<Map<string, { name: string; scopes: Map<string, string> }>> {
  const described = new Map<string, { name: string; scopes: Map<string, string> }>();
  if (!indicators.length) return described;
  const rows = await db.selectFrom('api_resources as r')
    .leftJoin('api_resource_scopes as s', 's.resource_id', 'r.id')
    .select(['r.indicator', 'r.name', 's.name as scope', 's.description', 's.description_translations'])
    .where('r.indicator', 'in', indicators)
    .execute();
  for (const row of rows) {
    const entry = described.get(row.indicator) ?? { name: row.name, scopes: new Map<string, string>() };
    if (row.scope) {
      entry.scopes.set(row.scope, scopeDescriptionIn(locale, {
        name: row.scope, description: row.description ?? '', description_translations: row.description_translations ?? {},
      }));
    }
    described.set(row.indicator, entry);
  }
  return described;
}

// ---- writing an app's allowlist (Management API) ----

/** The API resource scopes on an app's allowlist, with their ids. */
export async function allowlistedResourceScopes(db: Db, applicationId: string) {
  return db.selectFrom('application_resource_scopes as ars')
    .innerJoin('api_resource_scopes as s', 's.id', 'ars.scope_id')
    .innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['s.id', 's.name', 's.description', 's.resource_id', 'r.indicator', 'r.name as resource_name'])
    .where('ars.application_id', '=', applicationId)
    .orderBy('r.name').orderBy('s.name')
    .execute();
}

/** Adds to an app's allowlist; entries already there stay. */
export async function insertAllowlistEntries(db: Db, applicationId: string, userScopes: UserDataScope[], scopeIds: string[]): Promise<void> {
  if (userScopes.length) {
    await db.insertInto('application_user_scopes').values(userScopes.map((scope) => ({ application_id: applicationId, scope })))
      .onConflict((oc) => oc.doNothing()).execute();
  }
  if (scopeIds.length) {
    await db.insertInto('application_resource_scopes').values(scopeIds.map((scope_id) => ({ application_id: applicationId, scope_id })))
      .onConflict((oc) => oc.doNothing()).execute();
  }
}

/** Empties an app's allowlist; run in the caller's transaction before writing the new one. */
export async function clearAllowlist(db: Db, applicationId: string): Promise<void> {
  await db.deleteFrom('application_user_scopes').where('application_id', '=', applicationId).execute();
  await db.deleteFrom('application_resource_scopes').where('application_id', '=', applicationId).execute();
}

export async function deleteAllowedUserScope(db: Db, applicationId: string, scope: string): Promise<boolean> {
  const deleted = await db.deleteFrom('application_user_scopes')
    .where('application_id', '=', applicationId).where('scope', '=', scope as UserDataScope).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export async function deleteAllowedResourceScope(db: Db, applicationId: string, scopeId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('application_resource_scopes')
    .where('application_id', '=', applicationId).where('scope_id', '=', scopeId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

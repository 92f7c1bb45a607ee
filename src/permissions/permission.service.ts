import { z } from 'zod';
import { getThirdPartyApplication } from '../apps/third-party.ts';
import type { Db } from '../db/database.ts';
import type { UserDataScope } from '../db/tables.ts';
import { isStorableText } from '../db/text.ts';
import { assertThat, ServiceError, type FieldError } from '../errors.ts';
import { managementApiIndicator } from '../resources/management-api.ts';
import { findScopesByIndicator, findScopesWithResource } from '../resources/resource.repository.ts';
import {
  allowedUserScopes, allowlistedResourceScopes, clearAllowlist, deleteAllowedResourceScope, deleteAllowedUserScope,
  insertAllowlistEntries, userDataScopes,
} from './permission.repository.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';

/**
 * What a third-party app may ask for: an allowlist of user data scopes and of API resource scopes. `openid`
 * and `offline_access` are always allowed and need no entry. The Management API's own scope is never
 * grantable to a third-party app, so it cannot be put on the list.
 */

export const alwaysAllowedScopes = ['openid', 'offline_access'] as const;

/** A resource scope named by its resource's indicator and its name, or by its id. */
export const resourceScopeRefSchema = z.union([
  z.strictObject({
    resource: z.string().min(1).max(2048).meta({ title: 'Resource indicator', description: 'The resource indicator' }),
    scope: z.string().min(1).max(128).meta({ title: 'Scope name', description: 'The scope name' }),
  }),
  z.strictObject({ scope_id: z.string().min(1).max(128).meta({ title: 'Scope ID' }) }),
], { error: 'must name a scope by its resource indicator and scope name, or by its scope ID' }).meta({ title: 'API resource scope' });
export type ResourceScopeRef = z.infer<typeof resourceScopeRefSchema>;

export const userScopeSchema = z.enum([...userDataScopes, ...alwaysAllowedScopes]).meta({ title: 'User data scope' });

/** The lists of an allowlist, labelled as the console shows them. */
export const allowlistFields = {
  user_scopes: z.array(userScopeSchema).max(20).meta({ title: 'User data scopes' }),
  resource_scopes: z.array(resourceScopeRefSchema).max(500).meta({ title: 'API resource scopes' }),
};

export const allowlistSchema = z.object({
  userScopes: allowlistFields.user_scopes.default([]),
  resourceScopes: allowlistFields.resource_scopes.default([]),
});
export type AllowlistInput = z.input<typeof allowlistSchema>;

export interface Permissions {
  userScopes: UserDataScope[];
  resourceScopes: Awaited<ReturnType<typeof allowlistedResourceScopes>>;
}

const what = 'permissions';

export async function getPermissions(db: Db, applicationId: string): Promise<Permissions> {
  await getThirdPartyApplication(db, applicationId, what);
  const [userScopes, resourceScopes] = await Promise.all([allowedUserScopes(db, applicationId), allowlistedResourceScopes(db, applicationId)]);
  return { userScopes, resourceScopes };
}

/** Resolves references to scope ids; fails with each reference that names no registered scope, or the Management API. */
async function resolveResourceScopes(db: Db, issuer: string, refs: ResourceScopeRef[], pointer: (i: number) => string): Promise<string[]> {
  const byIndicator = refs.flatMap((ref) => ('resource' in ref && isStorableText(ref.resource) && isStorableText(ref.scope) ? [{ indicator: ref.resource, scope: ref.scope }] : []));
  const byId = refs.flatMap((ref) => ('scope_id' in ref && isStorableText(ref.scope_id) ? [ref.scope_id] : []));
  const [named, identified] = await Promise.all([findScopesByIndicator(db, byIndicator), findScopesWithResource(db, byId)]);
  const management = managementApiIndicator(issuer);
  const label = (i: number) => fieldLabel(allowlistFields.resource_scopes, [i]);
  const problems: FieldError[] = [];
  let reserved = false;
  const ids = refs.map((ref, i) => {
    if ('resource' in ref) {
      if (ref.resource === management || ref.resource.replace(/\/+$/, '') === management) {
        reserved = true;
        problems.push({ pointer: pointer(i), detail: sentence(label(i), 'is a Management API scope, which can never be granted to a third-party app') });
        return '';
      }
      const found = named.find((s) => s.indicator === ref.resource && s.name === ref.scope);
      if (!found) problems.push({ pointer: pointer(i), detail: sentence(label(i), `names no registered scope: no API resource ${JSON.stringify(ref.resource)} has a scope ${JSON.stringify(ref.scope)}`) });
      return found?.id ?? '';
    }
    const found = identified.find((s) => s.id === ref.scope_id);
    if (!found) problems.push({ pointer: pointer(i), detail: sentence(label(i), `names no registered scope: no API resource scope has the ID ${JSON.stringify(ref.scope_id)}`) });
    return found?.id ?? '';
  });
  assertThat(!problems.length, () => new ServiceError(
    reserved ? 'permission.reserved_scope' : 'permission.unknown_scope', problems.map((p) => p.detail).join(' '), 422, problems,
  ));
  return [...new Set(ids)];
}

const dataScopesOnly = (scopes: readonly string[]) => [...new Set(scopes.filter((s): s is UserDataScope => (userDataScopes as readonly string[]).includes(s)))];

/** Replaces the whole allowlist at once. */
export async function setPermissions(db: Db, issuer: string, applicationId: string, input: AllowlistInput): Promise<Permissions> {
  const data = parseInput(allowlistSchema, input);
  await getThirdPartyApplication(db, applicationId, what);
  const scopeIds = await resolveResourceScopes(db, issuer, data.resourceScopes, (i) => `/resource_scopes/${i}`);
  await db.transaction().execute(async (trx) => {
    await clearAllowlist(trx, applicationId);
    await insertAllowlistEntries(trx, applicationId, dataScopesOnly(data.userScopes), scopeIds);
  });
  return getPermissions(db, applicationId);
}

/** Adds entries to the allowlist; those already on it stay. */
export async function addPermissions(db: Db, issuer: string, applicationId: string, input: AllowlistInput): Promise<Permissions> {
  const data = parseInput(allowlistSchema, input);
  await getThirdPartyApplication(db, applicationId, what);
  const scopeIds = await resolveResourceScopes(db, issuer, data.resourceScopes, (i) => `/resource_scopes/${i}`);
  await insertAllowlistEntries(db, applicationId, dataScopesOnly(data.userScopes), scopeIds);
  return getPermissions(db, applicationId);
}

export async function removeUserScopePermission(db: Db, applicationId: string, scope: string): Promise<void> {
  await getThirdPartyApplication(db, applicationId, what);
  assertThat(await deleteAllowedUserScope(db, applicationId, scope), () => new ServiceError(
    'permission.not_found', `the app's allowlist has no user data scope ${JSON.stringify(scope)}`, 404,
  ));
}

export async function removeResourceScopePermission(db: Db, applicationId: string, scopeId: string): Promise<void> {
  await getThirdPartyApplication(db, applicationId, what);
  assertThat(isStorableText(scopeId) && await deleteAllowedResourceScope(db, applicationId, scopeId), () => new ServiceError(
    'permission.not_found', `the app's allowlist has no API resource scope ${JSON.stringify(scopeId)}`, 404,
  ));
}

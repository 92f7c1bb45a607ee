import { z } from 'zod';
import { getApplication } from '../apps/app.service.ts';
import { isThirdParty } from '../apps/third-party.ts';
import { narrowConsent, type Actor } from '../consents/consent.service.ts';
import type { Db } from '../db/database.ts';
import type { Application, UserDataScope } from '../db/tables.ts';
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
 * An app's allowlist (DESIGN.md §4). A third-party app's says what it may ask users for: user data scopes and API
 * resource scopes; `openid` and `offline_access` are always allowed and need no entry. A machine-to-machine app's
 * says which API resource scopes it may obtain for itself with client credentials; it acts for no user, so it has
 * no user data scopes. A first-party interactive app has none: its users get resource scopes through their roles.
 * The Management API's scope is never on a list (an m2m app gets it through its management access setting).
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
  /** Scopes the app may request without an entry: none for an app that acts for no user. */
  alwaysAllowed: string[];
}

const isMachine = (app: Application) => app.type === 'm2m';

/** The app, when it is one that has an allowlist: third-party or machine-to-machine. */
async function getApplicationWithAllowlist(db: Db, id: string): Promise<Application> {
  const application = await getApplication(db, id);
  assertThat(isThirdParty(application) || isMachine(application), () => new ServiceError(
    'application.not_third_party',
    'only third-party apps and machine-to-machine apps have permissions; a first-party app is consented automatically, and its users get API resource scopes through their roles',
    422,
  ));
  return application;
}

export async function getPermissions(db: Db, applicationId: string): Promise<Permissions> {
  const application = await getApplicationWithAllowlist(db, applicationId);
  const [userScopes, resourceScopes] = await Promise.all([allowedUserScopes(db, applicationId), allowlistedResourceScopes(db, applicationId)]);
  return { userScopes, resourceScopes, alwaysAllowed: isMachine(application) ? [] : [...alwaysAllowedScopes] };
}

/** A machine-to-machine app acts for no user: any user scope on its list is refused, each by its place. */
function assertNoUserScopesForMachine(application: Application, userScopes: readonly string[]): void {
  assertThat(!isMachine(application) || !userScopes.length, () => {
    const problems = userScopes.map((scope, i) => ({
      pointer: `/user_scopes/${i}`,
      detail: `a machine-to-machine app acts for no user, so it cannot be allowed the user scope ${JSON.stringify(scope)}; allow it API resource scopes instead`,
    }));
    return new ServiceError('permission.m2m_user_scope', problems.map((p) => p.detail).join('; '), 422, problems);
  });
}

/** Resolves references to scope ids; fails with each reference that names no registered scope, or the Management API. */
async function resolveResourceScopes(db: Db, issuer: string, application: Application, refs: ResourceScopeRef[], pointer: (i: number) => string): Promise<string[]> {
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
        problems.push({ pointer: pointer(i), detail: isMachine(application)
          ? sentence(label(i), 'is the Management API\'s scope, which is not a permission: a machine-to-machine app gets it through its management access setting')
          : sentence(label(i), 'is a Management API scope, which can never be granted to a third-party app') });
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

/**
 * A narrower allowlist narrows what users consented to (issue 15 §1): each consent keeps only what is still allowed,
 * with no new screen for it, and the tokens issued under the wider one end. Decided so rather than asking everyone
 * again: what stays allowed is what the person chose, and taking something away needs no new decision from them.
 */
async function keepConsentsWithinAllowlist(db: Db, application: Application, actor: Actor): Promise<void> {
  if (!isThirdParty(application)) return;
  const permissions = await getPermissions(db, application.id);
  const userScopes = new Set<string>(permissions.userScopes);
  await narrowConsent(db, application.id, {
    userScopes,
    resourceScopes: new Set(permissions.resourceScopes.map((s) => `${s.indicator} ${s.name}`)),
  }, actor);
}

/** Replaces the whole allowlist at once; consents keep only what it still allows. */
export async function setPermissions(db: Db, issuer: string, applicationId: string, input: AllowlistInput, actor: Actor = {}): Promise<Permissions> {
  const data = parseInput(allowlistSchema, input);
  const application = await getApplicationWithAllowlist(db, applicationId);
  assertNoUserScopesForMachine(application, data.userScopes);
  const scopeIds = await resolveResourceScopes(db, issuer, application, data.resourceScopes, (i) => `/resource_scopes/${i}`);
  await db.transaction().execute(async (trx) => {
    await clearAllowlist(trx, applicationId);
    await insertAllowlistEntries(trx, applicationId, dataScopesOnly(data.userScopes), scopeIds);
  });
  await keepConsentsWithinAllowlist(db, application, actor);
  return getPermissions(db, applicationId);
}

/** Adds entries to the allowlist; those already on it stay. */
export async function addPermissions(db: Db, issuer: string, applicationId: string, input: AllowlistInput): Promise<Permissions> {
  const data = parseInput(allowlistSchema, input);
  const application = await getApplicationWithAllowlist(db, applicationId);
  assertNoUserScopesForMachine(application, data.userScopes);
  const scopeIds = await resolveResourceScopes(db, issuer, application, data.resourceScopes, (i) => `/resource_scopes/${i}`);
  await insertAllowlistEntries(db, applicationId, dataScopesOnly(data.userScopes), scopeIds);
  return getPermissions(db, applicationId);
}

export async function removeUserScopePermission(db: Db, applicationId: string, scope: string, actor: Actor = {}): Promise<void> {
  const application = await getApplicationWithAllowlist(db, applicationId);
  assertThat(await deleteAllowedUserScope(db, applicationId, scope), () => new ServiceError(
    'permission.not_found', `the app's allowlist has no user data scope ${JSON.stringify(scope)}`, 404,
  ));
  await keepConsentsWithinAllowlist(db, application, actor);
}

export async function removeResourceScopePermission(db: Db, applicationId: string, scopeId: string, actor: Actor = {}): Promise<void> {
  const application = await getApplicationWithAllowlist(db, applicationId);
  assertThat(isStorableText(scopeId) && await deleteAllowedResourceScope(db, applicationId, scopeId), () => new ServiceError(
    'permission.not_found', `the app's allowlist has no API resource scope ${JSON.stringify(scopeId)}`, 404,
  ));
  await keepConsentsWithinAllowlist(db, application, actor);
}

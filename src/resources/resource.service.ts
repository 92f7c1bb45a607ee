import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import { assertThat, isUniqueViolation, ServiceError, type FieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import { managementApiIndicator } from './management-api.ts';
import type { PageRequest } from '../pagination.ts';
import {
  deleteResourceRow, deleteScopeRow, findResourceRow, findScopeRow, insertResource, insertScopes, queryResources,
  scopesOfResources, updateResourceRow, updateScopeRow, type ApiResourceRow, type ApiResourceScopeRow,
} from './resource.repository.ts';

/**
 * API resources (RFC 8707): what an app may ask access tokens for. The indicator is the `aud` of the resource's
 * access tokens and never changes; its scopes are what roles hand to users and allowlists hand to apps.
 */

/** OAuth scope names (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
const scopeName = z.string().trim().min(1).max(128).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be printable ASCII without spaces, quotes or backslashes');
const scopeDescription = z.string().trim().max(1024);

export const newScopeSchema = z.object({ name: scopeName, description: scopeDescription.default('') });
export type NewScopeInput = z.input<typeof newScopeSchema>;

export const scopeChangesSchema = z.object({ name: scopeName.optional(), description: scopeDescription.optional() });
export type ScopeChanges = z.input<typeof scopeChangesSchema>;

/** Seconds: from a minute to a day. Absent means the configured default (SESAME_ACCESS_TOKEN_TTL). */
export const accessTokenTtlSchema = z.number().int().min(60).max(86_400);

export const newResourceSchema = z.object({
  name: z.string().trim().min(1).max(256),
  indicator: z.string().max(2048),
  accessTokenTtl: accessTokenTtlSchema.nullable().optional(),
  scopes: z.array(newScopeSchema).max(200).default([]),
});
export type NewResourceInput = z.input<typeof newResourceSchema>;

export const resourceChangesSchema = z.object({
  name: z.string().trim().min(1).max(256).optional(),
  accessTokenTtl: accessTokenTtlSchema.nullable().optional(),
});
export type ResourceChanges = z.input<typeof resourceChangesSchema>;

/** Scope names OpenID Connect itself uses: a resource scope with one would be read as the other. */
export const reservedScopeNames = new Set(['openid', 'offline_access', 'profile', 'email', 'phone', 'address', 'roles']);

const forbiddenSchemes = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'filesystem']);

export interface ApiResource extends ApiResourceRow {
  scopes: ApiResourceScopeRow[];
}

const notFound = (id: string) => new ServiceError('resource.not_found', `no API resource with id ${JSON.stringify(id)}`, 404);
const scopeNotFound = (resourceId: string, scopeId: string) =>
  new ServiceError('scope.not_found', `API resource ${resourceId} has no scope ${JSON.stringify(scopeId)}`, 404);

/** The same URI as the Management API's, however it is written (letter case of scheme and host, trailing slash). */
function isManagementIndicator(indicator: string, issuer: string): boolean {
  const normal = (uri: string) => {
    try {
      return new URL(uri).href.replace(/\/+$/, '');
    } catch {
      return uri;
    }
  };
  return normal(indicator) === normal(managementApiIndicator(issuer));
}

/** Why `indicator` cannot name an API resource (RFC 8707 §2: an absolute URI without a fragment), or undefined. */
export function indicatorProblem(indicator: string, issuer: string): string | undefined {
  const label = `resource indicator ${JSON.stringify(indicator)}`;
  if (!indicator) return 'the resource indicator is empty';
  if (/[\s\p{C}\\]/u.test(indicator)) return `${label} contains whitespace, control or invisible characters, or a backslash`;
  if (indicator.includes('#')) return `${label} must not contain a fragment (#)`;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(indicator)?.[1]?.toLowerCase();
  if (!scheme) return `${label} must be an absolute URI with a scheme, like https://api.example.com`;
  if (forbiddenSchemes.has(scheme)) return `${label} uses the forbidden scheme ${scheme}:`;
  let url: URL;
  try {
    url = new URL(indicator);
  } catch {
    return `${label} is not a valid URI`;
  }
  if (url.username || url.password) return `${label} must not contain user information (user@host)`;
  if ((scheme === 'http' || scheme === 'https') && !url.hostname) return `${label} has no host`;
  if (isManagementIndicator(indicator, issuer)) return `${label} is reserved for Sesame's own Management API`;
  return undefined;
}

function assertScopeNames(names: string[], pointer: (i: number) => string): void {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (reservedScopeNames.has(name)) problems.push({ pointer: pointer(i), detail: `${name} is an OpenID Connect scope and cannot be an API resource scope` });
    else if (seen.has(name)) problems.push({ pointer: pointer(i), detail: `the scope ${name} is listed twice` });
    seen.add(name);
  });
  assertThat(!problems.length, () => new ServiceError('scope.invalid_name', problems.map((p) => p.detail).join('; '), 422, problems));
}

const scopeExists = (name?: string) => new ServiceError('scope.exists', `the API resource already has a scope${name ? ` named ${name}` : ' with this name'}`, 409);

export async function createResource(db: Db, issuer: string, input: NewResourceInput): Promise<ApiResource> {
  const data = newResourceSchema.parse(input);
  const problem = indicatorProblem(data.indicator, issuer);
  assertThat(problem === undefined, () => new ServiceError(
    problem?.includes('reserved') ? 'resource.reserved_indicator' : 'resource.invalid_indicator', problem!, 422, [{ pointer: '/indicator', detail: problem! }],
  ));
  assertScopeNames(data.scopes.map((s) => s.name), (i) => `/scopes/${i}/name`);
  try {
    return await db.transaction().execute(async (trx) => {
      const resource = await insertResource(trx, {
        id: newId('res_'),
        name: data.name,
        indicator: data.indicator,
        access_token_ttl: data.accessTokenTtl ?? null,
      });
      const scopes = await insertScopes(trx, data.scopes.map((s) => ({ id: newId('scp_'), resource_id: resource.id, name: s.name, description: s.description })));
      return { ...resource, scopes: scopes.sort((a, b) => a.name.localeCompare(b.name)) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ServiceError('resource.indicator_taken', `an API resource with the indicator ${JSON.stringify(data.indicator)} already exists`, 409, [
        { pointer: '/indicator', detail: 'already registered' },
      ]);
    }
    throw error;
  }
}

async function resourceRow(db: Db, id: string): Promise<ApiResourceRow> {
  const resource = isStorableText(id) ? await findResourceRow(db, id) : undefined;
  assertThat(resource, () => notFound(id));
  return resource;
}

export async function getResource(db: Db, id: string): Promise<ApiResource> {
  const resource = await resourceRow(db, id);
  return { ...resource, scopes: await scopesOfResources(db, [resource.id]) };
}

export interface ResourcePage {
  resources: ApiResource[];
  total: number;
  nextCursor: string | undefined;
}

/** Resources newest first, each with its scopes, one page at a time. */
export async function listResources(db: Db, search: string | undefined, page: PageRequest): Promise<ResourcePage> {
  const { rows, total, nextCursor } = await queryResources(db, search, page);
  const scopes = await scopesOfResources(db, rows.map((r) => r.id));
  return {
    resources: rows.map((r) => ({ ...r, scopes: scopes.filter((s) => s.resource_id === r.id) })),
    total,
    nextCursor,
  };
}

/** Changes the name or token lifetime; the indicator is fixed, since tokens already issued carry it as `aud`. */
export async function updateResource(db: Db, id: string, input: ResourceChanges): Promise<ApiResource> {
  const changes = resourceChangesSchema.parse(input);
  await resourceRow(db, id);
  const updated = await updateResourceRow(db, id, {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.accessTokenTtl !== undefined ? { access_token_ttl: changes.accessTokenTtl } : {}),
  });
  assertThat(updated, () => notFound(id));
  return { ...updated, scopes: await scopesOfResources(db, [id]) };
}

/** Deletes a resource with its scopes; roles and app allowlists lose them. Tokens already issued live out their time. */
export async function deleteResource(db: Db, id: string): Promise<void> {
  assertThat(isStorableText(id) && await deleteResourceRow(db, id), () => notFound(id));
}

export async function listScopes(db: Db, resourceId: string): Promise<ApiResourceScopeRow[]> {
  return (await getResource(db, resourceId)).scopes;
}

export async function addScope(db: Db, resourceId: string, input: NewScopeInput): Promise<ApiResourceScopeRow> {
  const data = newScopeSchema.parse(input);
  await resourceRow(db, resourceId);
  assertScopeNames([data.name], () => '/name');
  try {
    const [scope] = await insertScopes(db, [{ id: newId('scp_'), resource_id: resourceId, name: data.name, description: data.description }]);
    return scope!;
  } catch (error) {
    if (isUniqueViolation(error)) throw scopeExists(data.name);
    throw error;
  }
}

export async function updateScope(db: Db, resourceId: string, scopeId: string, input: ScopeChanges): Promise<ApiResourceScopeRow> {
  const changes = scopeChangesSchema.parse(input);
  await resourceRow(db, resourceId);
  if (changes.name !== undefined) assertScopeNames([changes.name], () => '/name');
  try {
    const updated = isStorableText(scopeId)
      ? changes.name === undefined && changes.description === undefined
        ? await findScopeRow(db, resourceId, scopeId)
        : await updateScopeRow(db, resourceId, scopeId, changes)
      : undefined;
    assertThat(updated, () => scopeNotFound(resourceId, scopeId));
    return updated;
  } catch (error) {
    if (isUniqueViolation(error)) throw scopeExists(changes.name);
    throw error;
  }
}

/** Removes a scope; roles and app allowlists lose it at once. */
export async function removeScope(db: Db, resourceId: string, scopeId: string): Promise<void> {
  await resourceRow(db, resourceId);
  assertThat(isStorableText(scopeId) && await deleteScopeRow(db, resourceId, scopeId), () => scopeNotFound(resourceId, scopeId));
}

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
import { scopeDescriptionSchema, scopeDescriptionTranslationsSchema } from './scope-description.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';

/**
 * API resources (RFC 8707): what an app may ask access tokens for. The indicator is the `aud` of the resource's
 * access tokens and never changes; its scopes are what roles hand to users and allowlists hand to apps.
 */

/** A scope's fields, labelled as the console shows them. */
export const scopeFields = {
  /** OAuth scope names (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
  name: z.string().trim().min(1).max(128).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be printable ASCII without spaces, quotes or backslashes')
    .meta({ title: 'Scope name' }),
  description: scopeDescriptionSchema,
  description_translations: scopeDescriptionTranslationsSchema,
};

export const newScopeSchema = z.object({
  name: scopeFields.name,
  description: scopeFields.description.default(''),
  description_translations: scopeFields.description_translations.default({}),
}).meta({ title: 'Scope' });
export type NewScopeInput = z.input<typeof newScopeSchema>;

export const scopeChangesSchema = z.object({
  name: scopeFields.name.optional(),
  description: scopeFields.description.optional(),
  description_translations: scopeFields.description_translations.optional(),
});
export type ScopeChanges = z.input<typeof scopeChangesSchema>;

/** An API resource's fields, labelled as the console shows them. */
export const resourceFields = {
  name: z.string().trim().min(1).max(256).meta({ title: 'API name' }),
  indicator: z.string().max(2048).meta({ title: 'API identifier' }),
  /** Seconds: from a minute to a day. Absent means the configured default (SESAME_ACCESS_TOKEN_TTL). */
  access_token_ttl: z.number().int().min(60).max(86_400).meta({ title: 'Access token lifetime (seconds)' }),
  /** `opaque` tokens are checked at the introspection endpoint, so *Revoke access* stops them at once. */
  access_token_format: z.enum(['jwt', 'opaque']).meta({ title: 'Access token format' }),
  scopes: z.array(newScopeSchema).max(200).meta({ title: 'Scopes' }),
};

export const newResourceSchema = z.object({
  name: resourceFields.name,
  indicator: resourceFields.indicator,
  accessTokenTtl: resourceFields.access_token_ttl.nullable().optional(),
  accessTokenFormat: resourceFields.access_token_format.default('jwt'),
  scopes: resourceFields.scopes.default([]),
});
export type NewResourceInput = z.input<typeof newResourceSchema>;

export const resourceChangesSchema = z.object({
  name: resourceFields.name.optional(),
  accessTokenTtl: resourceFields.access_token_ttl.nullable().optional(),
  accessTokenFormat: resourceFields.access_token_format.optional(),
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

/**
 * Why `indicator` cannot name an API resource (RFC 8707 §2: an absolute URI without a fragment), or undefined:
 * a phrase to follow the field's label ("API identifier must not contain a fragment (#)").
 */
export function indicatorProblem(indicator: string, issuer: string): string | undefined {
  if (!indicator) return 'must not be empty';
  if (/[\s\p{C}\\]/u.test(indicator)) return 'must not contain whitespace, control or invisible characters, or a backslash';
  if (indicator.includes('#')) return 'must not contain a fragment (#)';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(indicator)?.[1]?.toLowerCase();
  if (!scheme) return 'must be an absolute URI with a scheme, like https://api.example.com';
  if (forbiddenSchemes.has(scheme)) return `must not use the scheme ${scheme}:`;
  let url: URL;
  try {
    url = new URL(indicator);
  } catch {
    return 'must be a valid absolute URI, like https://api.example.com';
  }
  if (url.username || url.password) return 'must not contain user information (user@host)';
  if ((scheme === 'http' || scheme === 'https') && !url.hostname) return 'must name a host, like https://api.example.com';
  if (isManagementIndicator(indicator, issuer)) return `${JSON.stringify(indicator)} is reserved for Sesame's own Management API`;
  return undefined;
}

const indicatorLabel = fieldLabel(resourceFields.indicator, []);

/** Refuses scope names OpenID Connect uses and names given twice; `path` is where each name is in the request. */
function assertScopeNames(names: string[], path: (i: number) => (string | number)[]): void {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  const problem = (i: number, words: string) => {
    const at = path(i);
    problems.push({ pointer: `/${at.join('/')}`, detail: sentence(at.length > 1 ? fieldLabel(newResourceSchema, at) : fieldLabel(scopeFields.name, []), words) });
  };
  names.forEach((name, i) => {
    if (reservedScopeNames.has(name)) problem(i, `${JSON.stringify(name)} is an OpenID Connect scope and cannot be an API resource scope: choose another name`);
    else if (seen.has(name)) problem(i, `${JSON.stringify(name)} is given twice`);
    seen.add(name);
  });
  assertThat(!problems.length, () => new ServiceError('scope.invalid_name', problems.map((p) => p.detail).join(' '), 422, problems));
}

const scopeExists = (name?: string) => {
  const detail = sentence(fieldLabel(scopeFields.name, []), `${name ? `${JSON.stringify(name)} ` : ''}is already a scope of this API resource: choose another name`);
  return new ServiceError('scope.exists', detail, 409, [{ pointer: '/name', detail }]);
};

export async function createResource(db: Db, issuer: string, input: NewResourceInput): Promise<ApiResource> {
  const data = parseInput(newResourceSchema, input);
  const problem = indicatorProblem(data.indicator, issuer);
  assertThat(problem === undefined, () => {
    const detail = sentence(indicatorLabel, problem!);
    return new ServiceError(problem!.includes('reserved') ? 'resource.reserved_indicator' : 'resource.invalid_indicator', detail, 422, [{ pointer: '/indicator', detail }]);
  });
  assertScopeNames(data.scopes.map((s) => s.name), (i) => ['scopes', i, 'name']);
  try {
    return await db.transaction().execute(async (trx) => {
      const resource = await insertResource(trx, {
        id: newId('res_'),
        name: data.name,
        indicator: data.indicator,
        access_token_ttl: data.accessTokenTtl ?? null,
        access_token_format: data.accessTokenFormat,
      });
      const scopes = await insertScopes(trx, data.scopes.map((s) => ({
        id: newId('scp_'), resource_id: resource.id, name: s.name, description: s.description, description_translations: JSON.stringify(s.description_translations),
      })));
      return { ...resource, scopes: scopes.sort((a, b) => a.name.localeCompare(b.name)) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const detail = sentence(indicatorLabel, `${JSON.stringify(data.indicator)} is already another API resource's`);
      throw new ServiceError('resource.indicator_taken', detail, 409, [{ pointer: '/indicator', detail }]);
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

/** Changes the name, token lifetime or token format; the indicator is fixed, since tokens already issued carry it as `aud`. */
export async function updateResource(db: Db, id: string, input: ResourceChanges): Promise<ApiResource> {
  const changes = parseInput(resourceChangesSchema, input);
  await resourceRow(db, id);
  const updated = await updateResourceRow(db, id, {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.accessTokenTtl !== undefined ? { access_token_ttl: changes.accessTokenTtl } : {}),
    ...(changes.accessTokenFormat !== undefined ? { access_token_format: changes.accessTokenFormat } : {}),
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
  const data = parseInput(newScopeSchema, input);
  await resourceRow(db, resourceId);
  assertScopeNames([data.name], () => ['name']);
  try {
    const [scope] = await insertScopes(db, [{
      id: newId('scp_'), resource_id: resourceId, name: data.name, description: data.description, description_translations: JSON.stringify(data.description_translations),
    }]);
    return scope!;
  } catch (error) {
    if (isUniqueViolation(error)) throw scopeExists(data.name);
    throw error;
  }
}

export async function updateScope(db: Db, resourceId: string, scopeId: string, input: ScopeChanges): Promise<ApiResourceScopeRow> {
  const { description_translations: translations, ...changes } = parseInput(scopeChangesSchema, input);
  await resourceRow(db, resourceId);
  if (changes.name !== undefined) assertScopeNames([changes.name], () => ['name']);
  const columns = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    ...(translations !== undefined ? { description_translations: JSON.stringify(translations) } : {}),
  };
  try {
    const updated = isStorableText(scopeId)
      ? Object.keys(columns).length === 0
        ? await findScopeRow(db, resourceId, scopeId)
        : await updateScopeRow(db, resourceId, scopeId, columns)
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

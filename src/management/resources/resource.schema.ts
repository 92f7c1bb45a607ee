import { z } from 'zod';
import { resourceFields, scopeFields, type ApiResource } from '../../resources/resource.service.ts';
import type { ApiResourceScopeRow, ScopeWithResource } from '../../resources/resource.repository.ts';
import { idParam, pageQuery, pageSchema, searchText, timestamp } from '../common.schema.ts';

/** Management API shapes of API resources (RFC 8707) and their scopes. */

const scopeName = scopeFields.name.describe('An OAuth scope token: printable ASCII without spaces, quotes or backslashes');
const scopeDescription = scopeFields.description
  .describe('Shown to users on the consent screen when their language has no translation, or none was written');
const scopeTranslations = scopeFields.description_translations;
const accessTokenTtl = resourceFields.access_token_ttl
  .describe('Lifetime of its access tokens in seconds (60-86400); null for the default (SESAME_ACCESS_TOKEN_TTL, or SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL for a third-party app). The shorter of it and the app\'s own wins');
const accessTokenFormat = resourceFields.access_token_format
  .describe('`jwt`: an RFC 9068 JWT the API checks on its own, valid until it expires even after Revoke access; `opaque`: a reference the API checks at the introspection endpoint (authenticating as the token\'s app, or as a machine-to-machine app allowed a scope of this API), which Revoke access ends at once');

export const resourceScopeSchema = z.object({
  id: z.string(),
  resource_id: z.string(),
  name: z.string(),
  description: z.string(),
  description_translations: z.record(z.string(), z.string())
    .describe('The description by language code (en, fr, ja, ko, ru); the consent screen shows the one of the person\'s language'),
  created_at: timestamp,
}).meta({ id: 'ApiResourceScope' });

export function toApiScope(scope: ApiResourceScopeRow): z.input<typeof resourceScopeSchema> {
  return {
    id: scope.id,
    resource_id: scope.resource_id,
    name: scope.name,
    description: scope.description,
    description_translations: scope.description_translations ?? {},
    created_at: scope.created_at.toISOString(),
  };
}

/** A scope with its API resource, as roles and third-party allowlists list it. */
export const scopeWithResourceSchema = z.object({
  id: z.string().describe('The scope id'),
  name: z.string(),
  description: z.string(),
  resource_id: z.string(),
  resource_indicator: z.string(),
  resource_name: z.string(),
});

export function toApiScopeWithResource(scope: ScopeWithResource): z.input<typeof scopeWithResourceSchema> {
  return {
    id: scope.id,
    name: scope.name,
    description: scope.description,
    resource_id: scope.resource_id,
    resource_indicator: scope.indicator,
    resource_name: scope.resource_name,
  };
}

export const resourceSchema = z.object({
  id: z.string(),
  name: z.string(),
  indicator: z.string().describe('RFC 8707 resource indicator: the `aud` of its access tokens; fixed at creation'),
  access_token_ttl: accessTokenTtl.nullable(),
  access_token_format: accessTokenFormat,
  scopes: z.array(resourceScopeSchema),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: 'ApiResource' });

export function toApiResource(resource: ApiResource): z.input<typeof resourceSchema> {
  return {
    id: resource.id,
    name: resource.name,
    indicator: resource.indicator,
    access_token_ttl: resource.access_token_ttl,
    access_token_format: resource.access_token_format,
    scopes: resource.scopes.map(toApiScope),
    created_at: resource.created_at.toISOString(),
    updated_at: resource.updated_at.toISOString(),
  };
}

export const resourceParams = z.object({ id: idParam('API resource ID') });
export const scopeParams = resourceParams.extend({ scopeId: idParam('Scope ID') });

export const newScopeBody = z.strictObject({
  name: scopeName,
  description: scopeDescription.default(''),
  description_translations: scopeTranslations.default({}),
}).meta({ title: 'Scope' });
export const scopeChangesBody = z.strictObject({
  name: scopeName.optional(),
  description: scopeDescription.optional(),
  description_translations: scopeTranslations.optional().describe('Replaces every translation; left out, they stay as they are'),
});

export const newResourceBody = z.strictObject({
  name: resourceFields.name,
  indicator: resourceFields.indicator.describe('An absolute URI without a fragment, like https://api.example.com; `$ISSUER/api` is reserved'),
  access_token_ttl: accessTokenTtl.nullable().optional(),
  access_token_format: accessTokenFormat.default('jwt'),
  scopes: z.array(newScopeBody).max(200).default([]).meta({ title: 'Scopes' }),
});

export const resourceChangesBody = z.strictObject({
  name: resourceFields.name.optional(),
  access_token_ttl: accessTokenTtl.nullable().optional(),
  access_token_format: accessTokenFormat.optional(),
});

export const resourceListQuery = z.object({
  ...pageQuery,
  q: searchText('Substring of the name or indicator (case-insensitive)'),
});

export const resourceListSchema = z.object({ data: z.array(resourceSchema), ...pageSchema });

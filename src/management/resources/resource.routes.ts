import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { toApiPage } from '../common.schema.ts';
import {
  addScope, createResource, deleteResource, getResource, listResources, listScopes, removeScope, updateResource, updateScope,
} from '../../resources/resource.service.ts';
import {
  newResourceBody, newScopeBody, resourceChangesBody, resourceListQuery, resourceListSchema, resourceParams, resourceSchema,
  resourceScopeSchema, scopeChangesBody, scopeParams, toApiResource, toApiScope,
} from './resource.schema.ts';

export interface ResourceRouteDeps {
  db: Db;
  issuer: () => string;
}

const tag = 'API resources';

export function resourceRoutes({ db, issuer }: ResourceRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/resources', tag, operationId: 'listApiResources',
      summary: 'List API resources',
      description: 'Newest first, each with its scopes. Search with `q`; page with `limit` and `offset`, or `cursor`. The built-in Management API is not listed.',
      query: resourceListQuery,
      response: resourceListSchema,
      async handle({ query }) {
        const page = await listResources(db, query.q || undefined, query);
        return toApiPage(page.resources.map(toApiResource), page, query);
      },
    }),
    defineRoute({
      method: 'post', path: '/resources', tag, operationId: 'createApiResource',
      summary: 'Register an API resource',
      description: 'The indicator is an absolute URI without a fragment (RFC 8707) and never changes. The Management API\'s own indicator is reserved (`resource.reserved_indicator`).',
      body: newResourceBody,
      response: resourceSchema,
      status: 201,
      problems: [409, 422],
      async handle({ body, ctx }) {
        const resource = await createResource(db, issuer(), {
          name: body.name, indicator: body.indicator, accessTokenTtl: body.access_token_ttl, accessTokenFormat: body.access_token_format, scopes: body.scopes,
        });
        ctx.set('Location', `/api/resources/${resource.id}`);
        return toApiResource(resource);
      },
    }),
    defineRoute({
      method: 'get', path: '/resources/:id', tag, operationId: 'getApiResource',
      summary: 'Get an API resource',
      params: resourceParams,
      response: resourceSchema,
      problems: [404],
      handle: async ({ params }) => toApiResource(await getResource(db, params.id)),
    }),
    defineRoute({
      method: 'patch', path: '/resources/:id', tag, operationId: 'updateApiResource',
      summary: 'Update an API resource',
      description: 'The name and the access token lifetime; the indicator is fixed because issued tokens carry it as `aud`.',
      params: resourceParams,
      body: resourceChangesBody,
      response: resourceSchema,
      problems: [404],
      handle: async ({ params, body }) => toApiResource(await updateResource(db, params.id, { name: body.name, accessTokenTtl: body.access_token_ttl, accessTokenFormat: body.access_token_format })),
    }),
    defineRoute({
      method: 'delete', path: '/resources/:id', tag, operationId: 'deleteApiResource',
      summary: 'Delete an API resource',
      description: 'Its scopes go too, and with them the roles\' and apps\' entries naming them.',
      params: resourceParams,
      problems: [404],
      handle: async ({ params }) => deleteResource(db, params.id),
    }),
    defineRoute({
      method: 'get', path: '/resources/:id/scopes', tag, operationId: 'listApiResourceScopes',
      summary: 'List an API resource\'s scopes',
      params: resourceParams,
      response: z.object({ data: z.array(resourceScopeSchema) }),
      problems: [404],
      handle: async ({ params }) => ({ data: (await listScopes(db, params.id)).map(toApiScope) }),
    }),
    defineRoute({
      method: 'post', path: '/resources/:id/scopes', tag, operationId: 'createApiResourceScope',
      summary: 'Add a scope to an API resource',
      description: 'Names are unique per resource (`scope.exists`); OpenID Connect\'s own scope names are refused (`scope.invalid_name`).',
      params: resourceParams,
      body: newScopeBody,
      response: resourceScopeSchema,
      status: 201,
      problems: [404, 409, 422],
      handle: async ({ params, body }) => toApiScope(await addScope(db, params.id, body)),
    }),
    defineRoute({
      method: 'patch', path: '/resources/:id/scopes/:scopeId', tag, operationId: 'updateApiResourceScope',
      summary: 'Rename or describe a scope',
      params: scopeParams,
      body: scopeChangesBody,
      response: resourceScopeSchema,
      problems: [404, 409, 422],
      handle: async ({ params, body }) => toApiScope(await updateScope(db, params.id, params.scopeId, body)),
    }),
    defineRoute({
      method: 'delete', path: '/resources/:id/scopes/:scopeId', tag, operationId: 'deleteApiResourceScope',
      summary: 'Remove a scope from an API resource',
      description: 'Roles and app allowlists lose it at once.',
      params: scopeParams,
      problems: [404],
      handle: async ({ params }) => removeScope(db, params.id, params.scopeId),
    }),
  ];
}

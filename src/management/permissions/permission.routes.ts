import { getBranding, updateBranding } from '../../apps/branding.service.ts';
import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { managementActor } from '../../http/management-actor.ts';
import {
  addPermissions, getPermissions, removeResourceScopePermission, removeUserScopePermission, setPermissions,
} from '../../permissions/permission.service.ts';
import { applicationParams } from '../applications/application.schema.ts';
import {
  brandingBody, brandingSchema, permissionsBody, permissionsSchema, resourceScopePermissionParams, toApiBranding,
  toApiPermissions, userScopePermissionParams,
} from './permission.schema.ts';

export interface PermissionRouteDeps {
  db: Db;
  issuer: () => string;
}

const tag = 'Applications';
const thirdPartyOnly = 'Third-party apps only: any other app answers 422 `application.not_third_party`.';
const withAllowlist = 'Third-party apps (what they may ask users for) and m2m apps (what they may obtain for themselves with client credentials; API resource scopes only, user scopes answer 422 `permission.m2m_user_scope`). A first-party interactive app answers 422 `application.not_third_party`.';

export function permissionRoutes({ db, issuer }: PermissionRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/applications/:id/permissions', tag, operationId: 'getApplicationPermissions',
      summary: 'What an app may request',
      description: `The allowlist of user data scopes and API resource scopes. ${withAllowlist}`,
      params: applicationParams,
      response: permissionsSchema,
      problems: [404, 422],
      handle: async ({ params }) => toApiPermissions(await getPermissions(db, params.id)),
    }),
    defineRoute({
      method: 'put', path: '/applications/:id/permissions', tag, operationId: 'setApplicationPermissions',
      summary: 'Replace an app\'s allowlist',
      description: `Requests for user data scopes not on it fail with invalid_scope; resource scopes not on it are dropped (client credentials asking for none that is on it fail with invalid_scope). The Management API's scopes are refused (\`permission.reserved_scope\`), unknown ones too (\`permission.unknown_scope\`). ${withAllowlist}`,
      params: applicationParams,
      body: permissionsBody,
      response: permissionsSchema,
      problems: [404, 422],
      handle: async ({ params, body, ctx }) => toApiPermissions(await setPermissions(db, issuer(), params.id, {
        userScopes: body.user_scopes, resourceScopes: body.resource_scopes,
      }, managementActor(ctx))),
    }),
    defineRoute({
      method: 'post', path: '/applications/:id/permissions', tag, operationId: 'addApplicationPermissions',
      summary: 'Add entries to an app\'s allowlist',
      description: `Entries already on it stay. ${withAllowlist}`,
      params: applicationParams,
      body: permissionsBody,
      response: permissionsSchema,
      problems: [404, 422],
      handle: async ({ params, body }) => toApiPermissions(await addPermissions(db, issuer(), params.id, {
        userScopes: body.user_scopes, resourceScopes: body.resource_scopes,
      })),
    }),
    defineRoute({
      method: 'delete', path: '/applications/:id/permissions/user-scopes/:scope', tag, operationId: 'removeApplicationUserScope',
      summary: 'Take a user data scope off an allowlist',
      params: userScopePermissionParams,
      problems: [404, 422],
      handle: async ({ params, ctx }) => removeUserScopePermission(db, params.id, params.scope, managementActor(ctx)),
    }),
    defineRoute({
      method: 'delete', path: '/applications/:id/permissions/resource-scopes/:scopeId', tag, operationId: 'removeApplicationResourceScope',
      summary: 'Take an API resource scope off an allowlist',
      params: resourceScopePermissionParams,
      problems: [404, 422],
      handle: async ({ params, ctx }) => removeResourceScopePermission(db, params.id, params.scopeId, managementActor(ctx)),
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/branding', tag, operationId: 'getApplicationBranding',
      summary: 'A third-party app\'s consent-screen branding',
      description: thirdPartyOnly,
      params: applicationParams,
      response: brandingSchema,
      problems: [404, 422],
      handle: async ({ params }) => toApiBranding(await getBranding(db, params.id)),
    }),
    defineRoute({
      method: 'put', path: '/applications/:id/branding', tag, operationId: 'setApplicationBranding',
      summary: 'Replace a third-party app\'s branding',
      description: `Fields left out are cleared. URLs must be https (http only on loopback hosts) without user information or fragment (\`branding.invalid_url\`). ${thirdPartyOnly}`,
      params: applicationParams,
      body: brandingBody,
      response: brandingSchema,
      problems: [404, 422],
      handle: async ({ params, body }) => toApiBranding(await updateBranding(db, params.id, body, { replace: true })),
    }),
    defineRoute({
      method: 'patch', path: '/applications/:id/branding', tag, operationId: 'updateApplicationBranding',
      summary: 'Change a third-party app\'s branding',
      description: `Only the fields sent change; empty or null clears one. ${thirdPartyOnly}`,
      params: applicationParams,
      body: brandingBody,
      response: brandingSchema,
      problems: [404, 422],
      handle: async ({ params, body }) => toApiBranding(await updateBranding(db, params.id, body)),
    }),
  ];
}

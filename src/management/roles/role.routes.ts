import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { toApiPage } from '../common.schema.ts';
import {
  addRoleScopes, assignRolesToUser, assignRoleToUsers, createRole, deleteRole, getRole, listRoleMembers, listRoles,
  listRolesOfUser, removeRoleScope, unassignRole, updateRole,
} from '../../roles/role.service.ts';
import { toApiUser, userParams } from '../users/user.schema.ts';
import {
  memberListQuery, newRoleBody, roleChangesBody, roleListQuery, roleListSchema, roleMemberListSchema, roleParams,
  roleSchema, roleScopeParams, roleScopesBody, roleUserParams, roleUsersBody, toApiRole, userRoleParams, userRoleSchema,
  userRolesBody,
} from './role.schema.ts';

export interface RoleRouteDeps {
  db: Db;
}

const tag = 'Roles';

export function roleRoutes({ db }: RoleRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/roles', tag, operationId: 'listRoles',
      summary: 'List roles',
      description: 'Newest first, each with its scopes and member count. Search with `q`; page with `limit` and `offset`, or `cursor`.',
      query: roleListQuery,
      response: roleListSchema,
      async handle({ query }) {
        const page = await listRoles(db, query.q || undefined, query);
        return toApiPage(page.roles.map(toApiRole), page, query);
      },
    }),
    defineRoute({
      method: 'post', path: '/roles', tag, operationId: 'createRole',
      summary: 'Create a role',
      description: 'Names are unique ignoring case (`role.exists`). Unknown scope ids fail with `scope.unknown`.',
      body: newRoleBody,
      response: roleSchema,
      status: 201,
      problems: [409, 422],
      async handle({ body, ctx }) {
        const role = await createRole(db, { name: body.name, description: body.description, scopeIds: body.scope_ids });
        ctx.set('Location', `/api/roles/${role.id}`);
        return toApiRole(role);
      },
    }),
    defineRoute({
      method: 'get', path: '/roles/:id', tag, operationId: 'getRole',
      summary: 'Get a role',
      params: roleParams,
      response: roleSchema,
      problems: [404],
      handle: async ({ params }) => toApiRole(await getRole(db, params.id)),
    }),
    defineRoute({
      method: 'patch', path: '/roles/:id', tag, operationId: 'updateRole',
      summary: 'Rename or describe a role',
      params: roleParams,
      body: roleChangesBody,
      response: roleSchema,
      problems: [404, 409],
      handle: async ({ params, body }) => toApiRole(await updateRole(db, params.id, body)),
    }),
    defineRoute({
      method: 'delete', path: '/roles/:id', tag, operationId: 'deleteRole',
      summary: 'Delete a role',
      description: 'Its users lose its scopes from their next token on.',
      params: roleParams,
      problems: [404],
      handle: async ({ params }) => deleteRole(db, params.id),
    }),
    defineRoute({
      method: 'post', path: '/roles/:id/scopes', tag, operationId: 'addRoleScopes',
      summary: 'Add API resource scopes to a role',
      description: 'Scopes the role already gives are left as they are.',
      params: roleParams,
      body: roleScopesBody,
      response: roleSchema,
      problems: [404, 422],
      handle: async ({ params, body }) => toApiRole(await addRoleScopes(db, params.id, body.scope_ids)),
    }),
    defineRoute({
      method: 'delete', path: '/roles/:id/scopes/:scopeId', tag, operationId: 'removeRoleScope',
      summary: 'Remove a scope from a role',
      params: roleScopeParams,
      problems: [404],
      handle: async ({ params }) => removeRoleScope(db, params.id, params.scopeId),
    }),
    defineRoute({
      method: 'get', path: '/roles/:id/users', tag, operationId: 'listRoleUsers',
      summary: 'List the users holding a role',
      description: 'Most recently assigned first.',
      params: roleParams,
      query: memberListQuery,
      response: roleMemberListSchema,
      problems: [404],
      async handle({ params, query }) {
        const { users, total } = await listRoleMembers(db, params.id, query);
        return {
          data: users.map(({ assigned_at, ...user }) => ({ ...toApiUser(user), assigned_at: assigned_at.toISOString() })),
          total,
          limit: query.limit,
          offset: query.offset,
        };
      },
    }),
    defineRoute({
      method: 'post', path: '/roles/:id/users', tag, operationId: 'assignRoleToUsers',
      summary: 'Give a role to users',
      description: 'Users who hold it already keep it. Unknown user ids fail with `user.unknown`.',
      params: roleParams,
      body: roleUsersBody,
      problems: [404, 422],
      handle: async ({ params, body }) => assignRoleToUsers(db, params.id, body.user_ids),
    }),
    defineRoute({
      method: 'delete', path: '/roles/:id/users/:userId', tag, operationId: 'unassignRoleFromUser',
      summary: 'Take a role from a user',
      params: roleUserParams,
      problems: [404],
      handle: async ({ params }) => unassignRole(db, params.userId, params.id),
    }),
    defineRoute({
      method: 'get', path: '/users/:id/roles', tag, operationId: 'listUserRoles',
      summary: 'List a user\'s roles',
      params: userParams,
      response: z.object({ data: z.array(userRoleSchema) }),
      problems: [404],
      async handle({ params }) {
        const roles = await listRolesOfUser(db, params.id);
        return { data: roles.map((role) => ({ ...toApiRole(role), assigned_at: role.assigned_at.toISOString() })) };
      },
    }),
    defineRoute({
      method: 'post', path: '/users/:id/roles', tag, operationId: 'assignUserRoles',
      summary: 'Give roles to a user',
      description: 'Roles the user holds already are kept. Unknown role ids fail with `role.unknown`.',
      params: userParams,
      body: userRolesBody,
      problems: [404, 422],
      handle: async ({ params, body }) => assignRolesToUser(db, params.id, body.role_ids),
    }),
    defineRoute({
      method: 'delete', path: '/users/:id/roles/:roleId', tag, operationId: 'unassignUserRole',
      summary: 'Take a role from a user',
      params: userRoleParams,
      problems: [404],
      handle: async ({ params }) => unassignRole(db, params.id, params.roleId),
    }),
  ];
}

import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { toApiPage } from '../common.schema.ts';
import {
  createUser, deleteUser, getUser, listUsers, setUserPassword, suspendUser, unsuspendUser, updateUserProfile,
} from '../../users/user.service.ts';
import {
  newUserBody, passwordBody, toApiUser, userChangesBody, userListQuery, userListSchema, userParams, userSchema,
} from './user.schema.ts';

export interface UserRouteDeps {
  db: Db;
}

const tag = 'Users';

export function userRoutes({ db }: UserRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/users', tag, operationId: 'listUsers',
      summary: 'List users',
      description: 'Newest first. Search with `q`, filter by `suspended` and `is_admin`; page with `limit` and `offset`, or `cursor`.',
      query: userListQuery,
      response: userListSchema,
      async handle({ query }) {
        const page = await listUsers(db, { search: query.q || undefined, suspended: query.suspended, admin: query.is_admin }, query);
        return toApiPage(page.users.map(toApiUser), page, query);
      },
    }),
    defineRoute({
      method: 'post', path: '/users', tag, operationId: 'createUser',
      summary: 'Create a user',
      body: newUserBody,
      response: userSchema,
      status: 201,
      problems: [409, 422],
      async handle({ body, ctx }) {
        const user = await createUser(db, { ...body, admin: body.is_admin });
        ctx.set('Location', `/api/users/${user.id}`);
        return toApiUser(user);
      },
    }),
    defineRoute({
      method: 'get', path: '/users/:id', tag, operationId: 'getUser',
      summary: 'Get a user',
      params: userParams,
      response: userSchema,
      problems: [404],
      handle: async ({ params }) => toApiUser(await getUser(db, params.id)),
    }),
    defineRoute({
      method: 'patch', path: '/users/:id', tag, operationId: 'updateUser',
      summary: 'Update a user\'s profile',
      description: 'Only the fields sent change; `null` clears one. A changed email is unverified unless `email_verified` says otherwise.',
      params: userParams,
      body: userChangesBody,
      response: userSchema,
      problems: [404, 409, 422],
      handle: async ({ params, body }) => toApiUser(await updateUserProfile(db, params.id, body)),
    }),
    defineRoute({
      method: 'delete', path: '/users/:id', tag, operationId: 'deleteUser',
      summary: 'Delete a user',
      description: 'Ends their sessions and revokes their grants and tokens. The last active admin cannot be deleted.',
      params: userParams,
      problems: [404, 409],
      handle: async ({ params }) => deleteUser(db, params.id),
    }),
    defineRoute({
      method: 'post', path: '/users/:id/suspend', tag, operationId: 'suspendUser',
      summary: 'Suspend a user',
      description: 'They cannot sign in; their sessions, grants and tokens end at once.',
      params: userParams,
      response: userSchema,
      problems: [404, 409],
      handle: async ({ params }) => toApiUser(await suspendUser(db, params.id)),
    }),
    defineRoute({
      method: 'post', path: '/users/:id/unsuspend', tag, operationId: 'unsuspendUser',
      summary: 'Lift a suspension',
      params: userParams,
      response: userSchema,
      problems: [404],
      handle: async ({ params }) => toApiUser(await unsuspendUser(db, params.id)),
    }),
    defineRoute({
      method: 'put', path: '/users/:id/password', tag, operationId: 'setUserPassword',
      summary: 'Set a user\'s password',
      description: 'Their sessions and tokens end, as after any credential reset.',
      params: userParams,
      body: passwordBody,
      problems: [404, 422],
      handle: async ({ params, body }) => setUserPassword(db, params.id, body.password),
    }),
  ];
}

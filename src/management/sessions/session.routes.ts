import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import { requestOrigin } from '../../http/request-origin.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { listLogoutNotifications } from '../../logout/logout-notification.repository.ts';
import { endAccountSession, endAccountSessions, listAccountSessions } from '../../sessions/session.service.ts';
import { getUser } from '../../users/user.service.ts';
import { userParams } from '../users/user.schema.ts';
import {
  endedSessionsSchema, logoutNotificationListQuery, logoutNotificationListSchema, sessionParams, sessionSchema,
  toApiLogoutNotification, toApiSession,
} from './session.schema.ts';

/** An admin's view of a user's sign-in sessions, ending them, and the back-channel logout queue. */

export interface SessionRouteDeps {
  db: Db;
}

const tag = 'Users';
const ended = 'Ended sessions are recorded as the audit event `session.ended`; every app of a session that registered a `backchannel_logout_uri` is sent a logout token, retried until it accepts it (`GET /api/logout-notifications`).';

export function sessionRoutes({ db }: SessionRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/users/:id/sessions', tag, operationId: 'listUserSessions',
      summary: 'List a user\'s sign-in sessions',
      description: 'The browsers signed in to the account, most recently active first: device, address, when.',
      params: userParams,
      response: z.object({ data: z.array(sessionSchema) }),
      problems: [404],
      async handle({ params }) {
        await getUser(db, params.id);
        return { data: (await listAccountSessions(db, params.id)).map(toApiSession) };
      },
    }),
    defineRoute({
      method: 'delete', path: '/users/:id/sessions', tag, operationId: 'endUserSessions',
      summary: 'Sign a user out everywhere',
      description: `Ends every sign-in session of the user; the account, its password and remembered consent stay as they are. ${ended}`,
      params: userParams,
      response: endedSessionsSchema,
      problems: [404],
      async handle({ params, ctx }) {
        await getUser(db, params.id);
        return { ended: await endAccountSessions(db, params.id, { reason: 'ended_by_admin', by: 'admin', origin: requestOrigin(ctx) }) };
      },
    }),
    defineRoute({
      method: 'delete', path: '/users/:id/sessions/:sessionId', tag, operationId: 'endUserSession',
      summary: 'End one of a user\'s sessions',
      description: `The browser holding it is signed out. ${ended}`,
      params: sessionParams,
      problems: [404],
      async handle({ params, ctx }) {
        await getUser(db, params.id);
        await endAccountSession(db, params.id, params.sessionId, { reason: 'ended_by_admin', by: 'admin', origin: requestOrigin(ctx) });
      },
    }),
    defineRoute({
      method: 'get', path: '/logout-notifications', tag: 'Applications', operationId: 'listLogoutNotifications',
      summary: 'List back-channel logout notifications',
      description: 'Newest first: logout tokens Sesame delivered to apps, is still retrying (`pending`, with `next_attempt_at` and the last error), or gave up on after a day (`failed`, also the audit event `logout.delivery_failed`). Filter by `status`, `client_id`, `user_id`. Finished ones are kept 7 days.',
      query: logoutNotificationListQuery,
      response: logoutNotificationListSchema,
      async handle({ query }) {
        const { items, total } = await listLogoutNotifications(db, { status: query.status, clientId: query.client_id, accountId: query.user_id }, query.limit, query.offset);
        return { data: items.map(toApiLogoutNotification), total, limit: query.limit, offset: query.offset };
      },
    }),
  ];
}

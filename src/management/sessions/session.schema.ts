import { z } from 'zod';
import type { LogoutNotification } from '../../logout/logout-notification.repository.ts';
import { sessionEndReasons } from '../../sessions/session-end-reasons.ts';
import type { AccountSession } from '../../sessions/session.service.ts';
import { idParam, offsetPageQuery, pageSchema, timestamp } from '../common.schema.ts';
import { userParams } from '../users/user.schema.ts';

/** Management API shapes of a user's sign-in sessions and of the back-channel logout queue. */

export const sessionSchema = z.object({
  id: z.string().describe('The session\'s stable id (oidc-provider Session uid)'),
  device: z.object({
    browser: z.string().nullable(),
    os: z.string().nullable(),
    kind: z.enum(['desktop', 'mobile', 'tablet', 'tv', 'unknown']),
  }).describe('Read from the User-Agent the session signed in with'),
  ip: z.string().nullable().describe('The client IP last seen using the session'),
  signed_in_at: timestamp.nullable(),
  last_active_at: timestamp.nullable(),
}).meta({ id: 'Session' });

export function toApiSession(session: AccountSession): z.input<typeof sessionSchema> {
  return {
    id: session.uid,
    device: session.device,
    ip: session.ip,
    signed_in_at: session.signedInAt?.toISOString() ?? null,
    last_active_at: session.lastActiveAt?.toISOString() ?? null,
  };
}

export const sessionParams = userParams.extend({ sessionId: z.string().min(1).max(255).meta({ title: 'Session ID' }) });

export const endedSessionsSchema = z.object({ ended: z.number().int().describe('How many sessions ended') });

export const logoutNotificationSchema = z.object({
  id: z.string(),
  client_id: z.string(),
  user_id: z.string(),
  sid: z.string().nullable().describe('The session\'s id at the app'),
  reason: z.string().describe(`Why the session ended: ${sessionEndReasons.join(', ')}`),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  next_attempt_at: timestamp.nullable().describe('When a pending notification is tried again'),
  last_error: z.string().nullable().describe('What the app answered, or why it could not be reached'),
  created_at: timestamp,
  finished_at: timestamp.nullable(),
}).meta({ id: 'LogoutNotification' });

export function toApiLogoutNotification(n: LogoutNotification): z.input<typeof logoutNotificationSchema> {
  return {
    id: n.id,
    client_id: n.client_id,
    user_id: n.account_id,
    sid: n.sid,
    reason: n.reason,
    status: n.status,
    attempts: n.attempts,
    next_attempt_at: n.status === 'pending' ? n.next_attempt_at.toISOString() : null,
    last_error: n.last_error,
    created_at: n.created_at.toISOString(),
    finished_at: n.finished_at?.toISOString() ?? null,
  };
}

export const logoutNotificationListQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).meta({ title: 'Status', description: 'Only the notifications in this state' }).optional(),
  client_id: idParam('Client ID').optional(),
  user_id: idParam('User ID').optional(),
  ...offsetPageQuery,
});

export const logoutNotificationListSchema = z.object({ data: z.array(logoutNotificationSchema), ...pageSchema });

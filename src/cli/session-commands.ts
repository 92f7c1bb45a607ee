import { z } from 'zod';
import { listLogoutNotifications } from '../logout/logout-notification.repository.ts';
import { toApiLogoutNotification, toApiSession } from '../management/sessions/session.schema.ts';
import { endAccountSession, endAccountSessions, listAccountSessions } from '../sessions/session.service.ts';
import { getUser } from '../users/user.service.ts';
import { command } from './command.ts';
import { choices, limit, offset } from './options.ts';
import { table } from './output.ts';

/** CLI commands for users' sign-in sessions and the back-channel logout queue; output has the Management API's field names. */

const id = (flag = '--id') => z.string({ error: `${flag} is required` }).min(1, `${flag} is required`);
const statuses = ['pending', 'delivered', 'failed'] as const;
const origin = { userAgent: 'sesame-cli' };

export const sessionCommands = {
  'users sessions list': command({
    summary: "List a user's sign-in sessions (device, address, when)",
    usage: 'users sessions list --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    async run({ db }, input) {
      await getUser(db, input.id);
      return (await listAccountSessions(db, input.id)).map(toApiSession);
    },
    format: (sessions: ReturnType<typeof toApiSession>[]) => (sessions.length
      ? table(sessions.map((s) => ({
        id: s.id, device: [s.device.browser, s.device.os].filter(Boolean).join(' on ') || 'unknown', ip: s.ip,
        signed_in_at: s.signed_in_at, last_active_at: s.last_active_at,
      })))
      : 'no sessions'),
  }),

  'users sessions end': command({
    summary: 'Sign a user out: one session (--session), or all of them; their apps are told (back-channel logout)',
    usage: 'users sessions end --id USER_ID [--session SESSION_ID]',
    options: { id: { type: 'string' }, session: { type: 'string' } },
    input: z.object({ id: id(), session: z.string().min(1, '--session must not be empty').optional() }),
    async run({ db }, input) {
      await getUser(db, input.id);
      if (input.session) {
        await endAccountSession(db, input.id, input.session, { reason: 'ended_by_admin', by: 'admin', origin });
        return { user: input.id, ended: 1 };
      }
      return { user: input.id, ended: await endAccountSessions(db, input.id, { reason: 'ended_by_admin', by: 'admin', origin }) };
    },
    format: (r: { user: string; ended: number }) => `ended ${r.ended} session${r.ended === 1 ? '' : 's'} of user ${r.user}`,
  }),

  'logout-notifications list': command({
    summary: 'List back-channel logout notifications, newest first: delivered, still retried (pending) or given up (failed)',
    usage: `logout-notifications list [--status ${statuses.join('|')}] [--client-id C] [--user-id U] [--limit N] [--offset N]`,
    options: { status: { type: 'string' }, 'client-id': { type: 'string' }, 'user-id': { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    input: z.object({
      status: z.enum(statuses, { error: `--status must be ${choices(statuses)}` }).optional(),
      'client-id': z.string().optional(),
      'user-id': z.string().optional(),
      limit,
      offset,
    }),
    async run({ db }, input) {
      const { items, total } = await listLogoutNotifications(db, { status: input.status, clientId: input['client-id'], accountId: input['user-id'] }, input.limit, input.offset ?? 0);
      return { total, notifications: items.map(toApiLogoutNotification) };
    },
    format: (r: { total: number; notifications: ReturnType<typeof toApiLogoutNotification>[] }) =>
      `${table(r.notifications.map(({ created_at, client_id, user_id, reason, status, attempts, last_error }) => ({ created_at, client_id, user_id, reason, status, attempts, last_error })))}\n(${r.notifications.length} of ${r.total})`,
  }),
};

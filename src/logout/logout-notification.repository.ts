import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { LogoutNotificationsTable } from '../db/tables.ts';
import { newId } from '../ids.ts';

export type LogoutNotification = Selectable<LogoutNotificationsTable>;

export interface NewLogoutNotification {
  clientId: string;
  accountId: string;
  sid: string | null;
  reason: string;
  /** Attempts already made (oidc-provider's own, when it failed); the next is due after `delaySeconds`. */
  attempts?: number;
  delaySeconds?: number;
  lastError?: string;
}

/** Queues logout tokens to deliver; committed with the caller's transaction when given one. */
export async function enqueueLogoutNotifications(db: Db, notifications: NewLogoutNotification[]): Promise<void> {
  if (!notifications.length) return;
  await db.insertInto('logout_notifications').values(notifications.map((n) => ({
    id: newId('lo_'),
    client_id: n.clientId,
    account_id: n.accountId,
    sid: n.sid,
    reason: n.reason,
    attempts: n.attempts ?? 0,
    next_attempt_at: sql`now() + make_interval(secs => ${n.delaySeconds ?? 0}::double precision)`,
    last_error: n.lastError ?? null,
  }))).execute();
}

/**
 * Takes up to `limit` notifications that are due, for this node alone: SKIP LOCKED passes over rows another node
 * is taking at that moment, and the lease (`next_attempt_at` moved `leaseSeconds` ahead) keeps them from being
 * taken again while they are delivered. A node that dies mid-delivery leaves them to whoever comes after the lease.
 */
export async function claimDueNotifications(db: Db, limit: number, leaseSeconds: number): Promise<LogoutNotification[]> {
  const { rows } = await sql<LogoutNotification>`
    UPDATE logout_notifications
    SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseSeconds}::double precision)
    WHERE id IN (
      SELECT id FROM logout_notifications
      WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows;
}

export async function markDelivered(db: Db, id: string): Promise<void> {
  await db.updateTable('logout_notifications').set({ status: 'delivered', finished_at: sql`now()`, last_error: null })
    .where('id', '=', id).where('status', '=', 'pending').execute();
}

export async function scheduleRetry(db: Db, id: string, delaySeconds: number, error: string): Promise<void> {
  await db.updateTable('logout_notifications')
    .set({ next_attempt_at: sql`now() + make_interval(secs => ${delaySeconds}::double precision)`, last_error: error.slice(0, 1000) })
    .where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Given up on: retried for long enough, or the app no longer exists or no longer asks for logout tokens. */
export async function markFailed(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('logout_notifications').set({ status: 'failed', finished_at: sql`now()`, last_error: error.slice(0, 1000) })
    .where('id', '=', id).where('status', '=', 'pending').execute();
}

export interface LogoutNotificationFilter {
  clientId?: string;
  accountId?: string;
  status?: LogoutNotification['status'];
}

/** Notifications newest first, for admins to see what was delivered, what waits and what failed. */
export async function listLogoutNotifications(db: Db, filter: LogoutNotificationFilter, limit: number, offset: number) {
  let base = db.selectFrom('logout_notifications');
  if (filter.clientId) base = base.where('client_id', '=', filter.clientId);
  if (filter.accountId) base = base.where('account_id', '=', filter.accountId);
  if (filter.status) base = base.where('status', '=', filter.status);
  const [items, total] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

/** Forgets notifications that are done with (delivered or failed) once they are `days` old. */
export async function deleteFinishedNotifications(db: Db, days: number): Promise<void> {
  await db.deleteFrom('logout_notifications').where('status', 'in', ['delivered', 'failed'])
    .where('finished_at', '<', sql<Date>`now() - make_interval(days => ${days}::int)`).execute();
}

import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import { pageNewestFirst, type Page } from '../db/paging.ts';
import type { Database, EmailStatus, EmailsTable } from '../db/tables.ts';
import type { PageRequest } from '../pagination.ts';

export type EmailRow = Selectable<EmailsTable>;
export type NewEmailRow = Pick<EmailRow, 'id' | 'kind' | 'user_id' | 'recipient' | 'locale' | 'sender_name' | 'subject' | 'content' | 'status'>;

export async function insertEmail(db: Db, row: NewEmailRow): Promise<void> {
  await db.insertInto('emails').values(row).execute();
}

/**
 * Takes up to `limit` messages that are due, for this node alone: SKIP LOCKED passes over the rows another node is
 * taking at that moment, and the lease (`next_attempt_at` moved `leaseSeconds` ahead) keeps them from being taken
 * again while they are sent. A node that dies mid-send leaves its rows to be taken once the lease ends.
 */
export async function claimDueEmails(db: Db, limit: number, leaseSeconds: number): Promise<EmailRow[]> {
  const { rows } = await sql<EmailRow>`
    UPDATE emails SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseSeconds}::double precision)
    WHERE id IN (
      SELECT id FROM emails WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows;
}

/** Delivered: what it said is dropped (it may hold a link that still works). */
export async function markEmailSent(db: Db, id: string): Promise<void> {
  await db.updateTable('emails').set({ status: 'sent', sent_at: sql`now()`, content: null, last_error: null })
    .where('id', '=', id).where('status', '=', 'pending').execute();
}

export async function scheduleEmailRetry(db: Db, id: string, delaySeconds: number, error: string): Promise<void> {
  await db.updateTable('emails')
    .set({ next_attempt_at: sql`now() + make_interval(secs => ${delaySeconds}::double precision)`, last_error: error })
    .where('id', '=', id).where('status', '=', 'pending').execute();
}

export async function markEmailFailed(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('emails').set({ status: 'failed', last_error: error })
    .where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Puts a message back in the queue, due now, as if just written; only from `from`. */
export async function requeueEmail(db: Db, id: string, from: EmailStatus[]): Promise<EmailRow | undefined> {
  return db.updateTable('emails')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`now()`, queued_at: sql`now()`, last_error: null })
    .where('id', '=', id).where('status', 'in', from).where('content', 'is not', null)
    .returningAll().executeTakeFirst();
}

export async function findEmail(db: Db, id: string): Promise<EmailRow | undefined> {
  return db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface EmailFilter {
  status?: EmailStatus;
  userId?: string;
}

export function queryEmails(db: Db, filter: EmailFilter, page: PageRequest): Promise<Page<EmailRow>> {
  return pageNewestFirst<Database, 'emails', EmailRow>(() => {
    let query = db.selectFrom('emails');
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.userId) query = query.where('user_id', '=', filter.userId);
    return query;
  }, page);
}

export async function countEmailsByStatus(db: Db): Promise<Record<EmailStatus, number>> {
  const rows = await db.selectFrom('emails').select(['status', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('status').execute();
  const counts: Record<EmailStatus, number> = { pending: 0, sent: 0, failed: 0, outbox: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** Forgets messages that are done with (sent, failed, or read from the outbox) once they are `days` old. */
export async function deleteOldEmails(db: Db, days: number): Promise<void> {
  await db.deleteFrom('emails').where('status', 'in', ['sent', 'failed', 'outbox'])
    .where('created_at', '<', sql<Date>`now() - make_interval(days => ${days}::int)`).execute();
}

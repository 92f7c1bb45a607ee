import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ThrottleBlocksTable } from '../db/tables.ts';

/** SQL of `throttle_blocks`: the blocks in force, on both databases (the counters live in rate-limiter-flexible). */

export type BlockRow = Omit<ThrottleBlocksTable, 'created_at'> & { created_at: Date };

/** When the block of one subject ends (or ended); null when it has none. Whether it is still in force is the reader's call. */
export async function findBlockEnd(db: Db, key: string): Promise<Date | null> {
  const row = await db.selectFrom('throttle_blocks').select('blocked_until').where('key', '=', key).executeTakeFirst();
  return row?.blocked_until ?? null;
}

/** Starts (or restarts) the block of one subject; returns its end as the database's clock has it. */
export async function saveBlock(db: Db, typed: Omit<ThrottleBlocksTable, 'created_at' | 'blocked_until'>, seconds: number): Promise<Date> {
  const until = sql<Date>`now() + make_interval(secs => ${seconds})`;
  // What was typed may hold anything, NUL included, which PostgreSQL text refuses.
  const storable = (text: string | null) => text && text.replaceAll('\u0000', '\uFFFD').slice(0, 320);
  const block = { ...typed, account_key: storable(typed.account_key), client_id: storable(typed.client_id) };
  const row = await db.insertInto('throttle_blocks')
    .values({ ...block, blocked_until: until })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      ...block, blocked_until: until, created_at: sql<Date>`now()`,
    }))
    .returning('blocked_until')
    .executeTakeFirstOrThrow();
  return row.blocked_until;
}

export async function listActiveBlocks(db: Db, filter: { userId?: string } = {}): Promise<BlockRow[]> {
  let query = db.selectFrom('throttle_blocks').selectAll().where('blocked_until', '>', sql<Date>`now()`);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  return query.orderBy('blocked_until', 'desc').orderBy('key').limit(1000).execute() as Promise<BlockRow[]>;
}

/** Deletes and returns the blocks (in force or not) of these keys, or of a user under any account key they go by. */
export async function deleteBlocks(db: Db, where: { keys?: string[]; userId?: string; accountKeys?: string[] }): Promise<BlockRow[]> {
  const { keys = [], userId, accountKeys = [] } = where;
  if (!keys.length && !userId && !accountKeys.length) return [];
  return db.deleteFrom('throttle_blocks')
    .where((eb) => eb.or([
      ...(keys.length ? [eb('key', 'in', keys)] : []),
      ...(userId ? [eb('user_id', '=', userId)] : []),
      ...(accountKeys.length ? [eb('account_key', 'in', accountKeys)] : []),
    ]))
    .returningAll()
    .execute() as Promise<BlockRow[]>;
}

/** Forgets blocks that ended a day ago (the record of recent ones stays for admins looking back). */
export async function deleteEndedBlocks(db: Db): Promise<void> {
  await db.deleteFrom('throttle_blocks').where('blocked_until', '<', sql<Date>`now() - interval '1 day'`).execute();
}

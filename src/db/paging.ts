import { sql, type SelectQueryBuilder } from 'kysely';
import { decodeCursor, encodeCursor, type PageRequest } from '../pagination.ts';

export interface Page<Row> {
  rows: Row[];
  /** How many rows match in all. */
  total: number;
  /** Fetches the rows after this page; absent on the last page. */
  nextCursor: string | undefined;
}

/**
 * One page of a single-table query, newest first by (created_at, id). The cursor carries created_at to the
 * microsecond, as PostgreSQL stores it, so rows made within one millisecond are neither skipped nor repeated,
 * and the (created_at, id) comparison can walk an index.
 */
export async function pageNewestFirst<DB, TB extends keyof DB, Row>(
  filtered: () => SelectQueryBuilder<DB, TB, object>,
  page: PageRequest,
): Promise<Page<Row>> {
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  let query = filtered().selectAll().select(sql<string>`created_at::text`.as('cursor_created_at'))
    .orderBy(sql`created_at`, 'desc').orderBy(sql`id`, 'desc').limit(page.limit);
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}::timestamptz, ${after.id})`);
  else if (page.offset) query = query.offset(page.offset);
  const [found, count] = await Promise.all([
    query.execute() as Promise<(Row & { id: string; cursor_created_at: string })[]>,
    filtered().select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow() as Promise<{ n: string }>,
  ]);
  const total = Number(count.n);
  const last = found.at(-1);
  const more = last !== undefined && found.length === page.limit && (after !== undefined || (page.offset ?? 0) + found.length < total);
  return {
    rows: found.map(({ cursor_created_at: _cursor, ...row }) => row as unknown as Row),
    total,
    nextCursor: more ? encodeCursor(last.cursor_created_at, last.id) : undefined,
  };
}

import { sql } from 'kysely';
import type { Db } from './database.ts';

/** How often the embedded database is looked over: PostgreSQL's autovacuum_naptime. */
export const embeddedVacuumIntervalMs = 60_000;

interface Due {
  table: string;
  vacuum: boolean;
}

/**
 * The embedded database's autovacuum. PGlite runs PostgreSQL without its background workers, so nothing ever
 * vacuums or analyses it: the rows every token, code and session leaves behind when replaced or deleted pile up in
 * `oidc_models` and its indexes, and the planner keeps the statistics of an empty database. This does what
 * autovacuum would, with its default thresholds: a table whose dead rows exceed 50 + 20 % of its rows is vacuumed
 * and analysed, one changed by more than 50 + 10 % since its last analysis is analysed. Returns the tables it did.
 */
export async function vacuumEmbedded(db: Db): Promise<string[]> {
  const { rows } = await sql<Due>`
    SELECT relname AS table, n_dead_tup > 50 + 0.2 * n_live_tup AS vacuum
    FROM pg_stat_user_tables
    WHERE schemaname = current_schema()
      AND (n_dead_tup > 50 + 0.2 * n_live_tup OR n_mod_since_analyze > 50 + 0.1 * n_live_tup)
    ORDER BY relname`.execute(db);
  for (const due of rows) {
    await (due.vacuum ? sql`VACUUM (ANALYZE) ${sql.table(due.table)}` : sql`ANALYZE ${sql.table(due.table)}`).execute(db);
  }
  return rows.map((due) => due.table);
}

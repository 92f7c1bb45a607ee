import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { vacuumEmbedded } from '../src/db/embedded-vacuum.ts';
import { testDatabaseKind } from './support/database.ts';
import { openedTestDatabase } from './support/opened-database.ts';

/**
 * The embedded database has no autovacuum (PGlite runs no background workers): Sesame does its work
 * (src/db/embedded-vacuum.ts), or the rows every replaced or deleted token leaves behind would pile up for ever and
 * the planner would keep the statistics of an empty database. On a PostgreSQL server autovacuum does it.
 */
const opened = openedTestDatabase();

interface TableStats { n_live_tup: number; n_dead_tup: number; last_vacuum: Date | null; last_analyze: Date | null }

/** The table's statistics as PostgreSQL counts them, once what this process did has been counted. */
async function stats(table: string): Promise<TableStats> {
  await sql`SELECT pg_stat_force_next_flush()`.execute(opened.db);
  await sql`SELECT 1`.execute(opened.db);
  const { rows } = await sql<TableStats>`
    SELECT n_live_tup::int, n_dead_tup::int, last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = ${table}`.execute(opened.db);
  return rows[0]!;
}

describe.skipIf(testDatabaseKind !== 'pglite')('the embedded database, vacuumed by Sesame', () => {
  it('vacuums and analyses a table whose dead rows pass autovacuum\'s threshold, and leaves it be after', async () => {
    await sql`INSERT INTO oidc_models (model, id, payload, expires_at)
              SELECT 'AccessToken', 'vacuum-' || n, '{}', now() + interval '1 hour' FROM generate_series(1, 600) AS n`.execute(opened.db);
    await sql`DELETE FROM oidc_models WHERE id LIKE 'vacuum-%' AND right(id, 1) <> '0'`.execute(opened.db);
    const before = await stats('oidc_models');
    expect(before.n_dead_tup).toBeGreaterThanOrEqual(540);
    expect(before.last_vacuum).toBeNull();

    expect(await vacuumEmbedded(opened.db)).toContain('oidc_models');
    const after = await stats('oidc_models');
    expect(after.n_dead_tup).toBe(0);
    expect(after.n_live_tup).toBe(60);
    expect(after.last_vacuum).toBeInstanceOf(Date);
    expect(after.last_analyze).toBeInstanceOf(Date);

    expect(await vacuumEmbedded(opened.db)).not.toContain('oidc_models');
  });

  it('analyses a table that only grew, so plans follow its size', async () => {
    await sql`INSERT INTO audit_events (id, type, details)
              SELECT 'evt_vacuum_' || n, 'user.signed_in', '{}' FROM generate_series(1, 300) AS n`.execute(opened.db);
    const before = await stats('audit_events');
    expect(before.last_analyze).toBeNull();
    expect(await vacuumEmbedded(opened.db)).toContain('audit_events');
    expect((await stats('audit_events')).last_analyze).toBeInstanceOf(Date);
  });
});

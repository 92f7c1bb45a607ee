import { sql, type Kysely } from 'kysely';

/**
 * Throttling (src/throttle/). `throttle_counters` is rate-limiter-flexible's PostgreSQL store, laid out as that
 * library expects (created here, not by the library at run time); nodes on a PostgreSQL server count failures in
 * it together. `throttle_blocks` is Sesame's own record of every block in force, on both databases: what the
 * sign-in check reads, what admins list and clear. Nodes cache whether a subject is blocked (src/cache/directory.ts),
 * so a change to a block is announced on `sesame_changes` like a change to an app (2026-11-27-0001).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE throttle_counters (
      key varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    )`.execute(db);
  await sql`CREATE INDEX throttle_counters_expire ON throttle_counters (expire)`.execute(db);
  await db.schema.createTable('throttle_blocks')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('account_key', 'text')
    .addColumn('user_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('blocked_until', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('throttle_blocks_until').on('throttle_blocks').column('blocked_until').execute();
  await db.schema.createIndex('throttle_blocks_user').on('throttle_blocks').column('user_id').execute();
  await db.schema.createIndex('throttle_blocks_account_key').on('throttle_blocks').column('account_key').execute();
  await sql`
    CREATE TRIGGER throttle_blocks_notify_change AFTER INSERT OR UPDATE OR DELETE ON throttle_blocks
    FOR EACH ROW EXECUTE FUNCTION sesame_notify_change('key')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('throttle_blocks').execute();
  await db.schema.dropTable('throttle_counters').execute();
}

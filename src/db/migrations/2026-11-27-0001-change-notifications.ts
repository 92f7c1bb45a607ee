import { sql, type Kysely } from 'kysely';

/**
 * Tells every node which rows its caches hold have changed: after each committed change to a table that nodes
 * cache, PostgreSQL sends `<table>:<key>` on the channel `sesame_changes` (src/db/change-feed.ts). NOTIFY is
 * transactional, so a node hears of a change only once it is visible, and whoever made it — a node, the CLI,
 * an operator's SQL — is heard.
 *
 * Each table names the column its caches key on. A new user makes no cached entry stale (absent rows are not
 * cached), so users notify on UPDATE and DELETE only, and bulk loading a million of them costs no notifications.
 * A new app does: nodes cache the set of origins apps use (CORS).
 */
const watched: { table: string; key: string; events: string }[] = [
  { table: 'applications', key: 'id', events: 'INSERT OR UPDATE OR DELETE' },
  { table: 'users', key: 'id', events: 'UPDATE OR DELETE' },
  { table: 'application_secrets', key: 'application_id', events: 'INSERT OR UPDATE OR DELETE' },
  { table: 'application_user_scopes', key: 'application_id', events: 'INSERT OR UPDATE OR DELETE' },
  { table: 'application_resource_scopes', key: 'application_id', events: 'INSERT OR UPDATE OR DELETE' },
  { table: 'api_resources', key: 'id', events: 'INSERT OR UPDATE OR DELETE' },
  { table: 'api_resource_scopes', key: 'resource_id', events: 'INSERT OR UPDATE OR DELETE' },
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION sesame_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('sesame_changes', TG_TABLE_NAME || ':' ||
        ((CASE TG_OP WHEN 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END) ->> TG_ARGV[0]));
      RETURN NULL;
    END $$`.execute(db);
  for (const { table, key, events } of watched) {
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_notify_change`)} AFTER ${sql.raw(events)} ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION sesame_notify_change(${sql.lit(key)})`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of watched) await sql`DROP TRIGGER ${sql.id(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db);
  await sql`DROP FUNCTION sesame_notify_change()`.execute(db);
}

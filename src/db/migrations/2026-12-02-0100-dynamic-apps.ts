import { sql, type Kysely } from 'kysely';

/**
 * Apps that arrive by themselves (DESIGN.md §7, issue 14): by dynamic registration (RFC 7591) or named by a client
 * ID metadata document.
 * - `applications` gain their origin (admin | dcr | cimd) and status (pending | approved | denied); what their
 *   lifecycle needs: when they were last used, the address that registered them, a fingerprint of the registered
 *   metadata (a client registering again with the same metadata gets its entry back) and the RFC 7591
 *   `software_id`. Every existing app was made by an admin and is approved.
 * - `registration_settings` is the admin's policy for them, one row, so every node applies the same.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications')
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('admin').check(sql`origin IN ('admin', 'dcr', 'cimd')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('approved').check(sql`status IN ('pending', 'approved', 'denied')`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('registered_ip', 'text')
    .addColumn('metadata_fingerprint', 'text')
    .addColumn('software_id', 'text')
    .execute();
  // What caps, dedup and the lifecycle job look up: only dynamic apps, a small part of the table.
  await sql`CREATE INDEX applications_dynamic_ip ON applications (registered_ip) WHERE origin <> 'admin'`.execute(db);
  await sql`CREATE INDEX applications_dynamic_fingerprint ON applications (metadata_fingerprint) WHERE origin <> 'admin'`.execute(db);
  await sql`CREATE INDEX applications_dynamic_last_used ON applications (coalesce(last_used_at, created_at)) WHERE origin <> 'admin'`.execute(db);

  await db.schema.createTable('registration_settings')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('dcr', 'text', (c) => c.notNull().defaultTo('off').check(sql`dcr IN ('off', 'approval', 'open')`))
    .addColumn('cimd', 'text', (c) => c.notNull().defaultTo('off').check(sql`cimd IN ('off', 'approval', 'open')`))
    .addColumn('allowed_domains', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('initial_access_token_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('max_apps_per_ip', 'integer', (c) => c.notNull().defaultTo(20))
    .addColumn('max_dynamic_apps', 'integer', (c) => c.notNull().defaultTo(1000))
    .addColumn('unused_app_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto('registration_settings').values({ id: true }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('registration_settings').execute();
  await db.schema.alterTable('applications')
    .dropColumn('software_id').dropColumn('metadata_fingerprint').dropColumn('registered_ip')
    .dropColumn('last_used_at').dropColumn('status').dropColumn('origin')
    .execute();
}

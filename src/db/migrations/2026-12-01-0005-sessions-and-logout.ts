import { sql, type Kysely } from 'kysely';

/**
 * Sessions people can see and end, and back-channel logout (src/sessions/, src/logout/).
 * - `applications` gain the OpenID Connect Back-Channel Logout 1.0 client metadata.
 * - `session_activity` is what a person recognises a Sesame session by (device, where from, when), keyed by the
 *   session's `uid` (stable for the session's life, unlike its cookie id); the session itself stays oidc-provider's
 *   row in `oidc_models`.
 * - `logout_notifications` is the durable queue of logout tokens to deliver to apps, claimed with
 *   FOR UPDATE SKIP LOCKED by any node and retried with back-off.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications')
    .addColumn('backchannel_logout_uri', 'text')
    .addColumn('backchannel_logout_session_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  await db.schema.createTable('session_activity')
    .addColumn('session_uid', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('signed_in_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_active_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('session_activity_account').on('session_activity').column('account_id').execute();

  await db.schema.createTable('logout_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('sid', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX logout_notifications_due ON logout_notifications (next_attempt_at) WHERE status = 'pending'`.execute(db);
  await db.schema.createIndex('logout_notifications_client').on('logout_notifications').column('client_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('logout_notifications').execute();
  await db.schema.dropTable('session_activity').execute();
  await db.schema.alterTable('applications')
    .dropColumn('backchannel_logout_session_required')
    .dropColumn('backchannel_logout_uri')
    .execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Email, and what is proved through it (src/email/, src/recovery/).
 *
 * `emails` is the durable queue of every message Sesame sends: a node claims due rows with FOR UPDATE SKIP LOCKED
 * (so any number of nodes share the work and no message goes out twice at once), and a failed send is retried
 * with a growing back-off. Without an SMTP server on the embedded database the rows stay as an outbox that admins
 * read. What a message says (it may hold a link that resets a password) is sealed under the master secret, and
 * dropped once the message is delivered.
 *
 * `email_tokens` holds the one-time links (and codes) that reset a password, prove the account's email address, or
 * prove a new one the person is changing to: only the SHA-256 of each link's token is kept, codes are sealed, and
 * each row is consumed at most once.
 *
 * `sign_in_settings.require_verified_email`: admins may require a verified email before anyone signs in.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('emails')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('sender_name', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('pending', 'sent', 'failed', 'outbox')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX emails_due ON emails (next_attempt_at) WHERE status = 'pending'`.execute(db);
  await db.schema.createIndex('emails_created').on('emails').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('emails_user').on('emails').column('user_id').execute();

  await db.schema.createTable('email_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose IN ('password_reset', 'email_verification', 'email_change')`))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('sealed_code', 'text')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('interaction_uid', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('email_tokens_user').on('email_tokens').columns(['user_id', 'purpose']).execute();
  await db.schema.createIndex('email_tokens_expires').on('email_tokens').column('expires_at').execute();

  await db.schema.alterTable('sign_in_settings')
    .addColumn('require_verified_email', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sign_in_settings').dropColumn('require_verified_email').execute();
  await db.schema.dropTable('email_tokens').execute();
  await db.schema.dropTable('emails').execute();
}

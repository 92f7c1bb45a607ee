import { sql, type Kysely } from 'kysely';

/**
 * Initial access tokens for dynamic registration (RFC 7591 §3), which an admin creates and hands to whoever may
 * register: only their SHA-256 is kept. Sesame's own table because the admin turns the requirement on and off at
 * run time (registration_settings), where oidc-provider's `initialAccessToken` option is fixed when it starts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('registration_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('registration_tokens').execute();
}

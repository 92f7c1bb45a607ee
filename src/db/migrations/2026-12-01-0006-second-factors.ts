import { sql, type Kysely } from 'kysely';

/**
 * Second factors and passkeys (src/mfa/, src/passkeys/):
 * - `totp_factors`: one authenticator app per user; the shared secret sealed under the master secret, and the last
 *   time step a code was accepted for, so a code is never accepted twice. Unconfirmed until the first right code.
 * - `passkeys`: WebAuthn credentials (public keys), usable as a second factor and for signing in without a password.
 * - `recovery_codes`: one-time codes, only an HMAC of each kept.
 * - `webauthn_challenges`: each challenge a page handed out, consumed by the one response that answers it.
 * - `sign_in_settings.mfa_policy`: who must have a second factor.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('totp_factors')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('confirmed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_step', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('confirmed_at', 'timestamptz')
    .execute();

  await db.schema.createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'boolean', (c) => c.notNull())
    .addColumn('aaguid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();

  await db.schema.createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('recovery_codes_user_hash').on('recovery_codes').columns(['user_id', 'code_hash']).unique().execute();

  await db.schema.createTable('webauthn_challenges')
    .addColumn('challenge', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expires').on('webauthn_challenges').column('expires_at').execute();

  await db.schema.alterTable('sign_in_settings')
    .addColumn('mfa_policy', 'text', (c) => c.notNull().defaultTo('optional')
      .check(sql`mfa_policy IN ('off', 'optional', 'admins', 'everyone')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sign_in_settings').dropColumn('mfa_policy').execute();
  await db.schema.dropTable('webauthn_challenges').execute();
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema.dropTable('passkeys').execute();
  await db.schema.dropTable('totp_factors').execute();
}

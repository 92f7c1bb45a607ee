import { sql, type Kysely } from 'kysely';

/**
 * The first admin is signed in right after the setup form creates them (src/interaction/setup-sign-in.service.ts):
 * the form's response leaves a one-time ticket in that browser, and the console's sign-in takes it instead of a
 * password. Only the SHA-256 of a ticket is kept, for minutes; using it deletes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('setup_sign_ins')
    .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('setup_sign_ins').execute();
}

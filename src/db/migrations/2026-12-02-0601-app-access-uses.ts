import { sql, type Kysely } from 'kysely';

/**
 * When each app last used a person's access, and for which APIs (issue 15 §3, shown on /account): one row per
 * user and app, written at most once every few minutes (src/grants/access-use.repository.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('app_access_uses')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('last_used_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('resources', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addPrimaryKeyConstraint('app_access_uses_pkey', ['user_id', 'client_id'])
    .execute();
}

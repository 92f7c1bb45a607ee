import { sql, type Kysely } from 'kysely';

/**
 * The permissions a dynamic app starts with (issue 14): user data scopes and API resource scopes (indicator and
 * scope name) put on a new dynamic app's allowlist when it registers or is first seen through its metadata document.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registration_settings')
    .addColumn('default_user_scopes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('default_resource_scopes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registration_settings').dropColumn('default_resource_scopes').dropColumn('default_user_scopes').execute();
}

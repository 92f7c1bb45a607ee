import { sql, type Kysely } from 'kysely';

/**
 * Which first-party apps may hold the Management API's `management` scope: an m2m app for itself (client
 * credentials), an interactive app such as the console for the admins who sign in to it. Third-party apps never.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications')
    .addColumn('management_access', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('applications')
    .addCheckConstraint('applications_management_first_party', sql`NOT (management_access AND third_party)`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropConstraint('applications_management_first_party').execute();
  await db.schema.alterTable('applications').dropColumn('management_access').execute();
}

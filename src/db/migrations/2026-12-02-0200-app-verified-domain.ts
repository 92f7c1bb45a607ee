import type { Kysely } from 'kysely';

/**
 * The domain an admin checked belongs to a third-party app's publisher (issue 14): the consent screen shows a
 * *Verified* badge for it, and warns about apps that arrived by themselves without one. Null: nobody checked.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('verified_domain', 'text').execute();
}

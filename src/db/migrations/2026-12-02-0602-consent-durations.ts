import type { Kysely } from 'kysely';

/**
 * Whether an app's consent screen lets the person choose how long their decision lasts (issue 15 §3): true or
 * false for the app, null to follow SESAME_CONSENT_DURATIONS.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('consent_durations', 'boolean').execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * The admin decides for everyone (issue 15 §4): each third-party app's consent policy (ask every time, remember,
 * or pre-approved) and the permissions an admin pre-approved for every user (admin consent), as the consent
 * screen's values: a user data scope (`profile`) or `INDICATOR SCOPE` for an API resource scope.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications')
    .addColumn('consent_policy', 'text', (c) => c.notNull().defaultTo('remember'))
    .addColumn('preapproved_scopes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('preapproved_scopes').dropColumn('consent_policy').execute();
}

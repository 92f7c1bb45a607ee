import type { Kysely } from 'kysely';

/**
 * Two settings of an app (issue 14): whether its access tokens must be DPoP-bound (RFC 9449 §5.2,
 * `dpop_bound_access_tokens`), and the API resource its tokens are for when a request names none (clients that do
 * not send RFC 8707 `resource`). The default resource follows its resource: renamed with it, cleared when it goes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications')
    .addColumn('dpop_bound_access_tokens', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('default_resource', 'text', (c) => c.references('api_resources.indicator').onDelete('set null').onUpdate('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('default_resource').dropColumn('dpop_bound_access_tokens').execute();
}

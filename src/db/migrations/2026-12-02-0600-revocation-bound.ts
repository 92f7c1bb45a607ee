import { sql, type Kysely } from 'kysely';

/**
 * How soon *Revoke access* bites (issue 15 §2):
 * - `applications.access_token_ttl`: an app's own access token lifetime (seconds); null for the configured default,
 *   which is short for third-party apps. The shorter of it and the API resource's wins.
 * - `api_resources.access_token_format`: `jwt` (RFC 9068, checked by the resource server on its own until it
 *   expires) or `opaque` (checked at the introspection endpoint, so a revocation stops it at once).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('access_token_ttl', 'integer').execute();
  await db.schema.alterTable('api_resources')
    .addColumn('access_token_format', 'text', (c) => c.notNull().defaultTo('jwt').check(sql`access_token_format IN ('jwt', 'opaque')`))
    .execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * oidc-provider payloads carry request parameters verbatim (state, nonce, login_hint…), and jsonb refuses a
 * string with an escaped NUL (\u0000), so such a request failed with a 500. json keeps the text as given;
 * lookups use the indexed columns, never the payload.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE oidc_models ALTER COLUMN payload TYPE json USING payload::json`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE oidc_models ALTER COLUMN payload TYPE jsonb USING payload::jsonb`.execute(db);
}

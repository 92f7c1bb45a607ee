import { sql, type Kysely } from 'kysely';

/**
 * The client and the account of every oidc-provider artifact as real columns, written by the adapter, so that
 * suspending or deleting a user, deleting an app and listing or revoking grants never parse payload JSON. Parsing
 * it in SQL failed as a whole on one row holding `\u0000` or a lone surrogate (issue 10 §1), and scanned the table.
 *
 * Existing rows are filled in here, in batches, by parsing each payload in JavaScript (which reads any JSON text
 * PostgreSQL accepted): a poisoned row gets its columns like any other and fails nothing.
 */
const batchSize = 1000;
/** Longer values are no ids Sesame issues, and would not fit an index entry. */
const maxLength = 255;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE oidc_models ADD COLUMN client_id text, ADD COLUMN account_id text`.execute(db);
  await backfill(db);
  await sql`DROP INDEX IF EXISTS oidc_models_grant_account`.execute(db);
  await sql`CREATE INDEX oidc_models_grant_account ON oidc_models (account_id, client_id) WHERE model = 'Grant'`.execute(db);
  await sql`CREATE INDEX oidc_models_account_id ON oidc_models (account_id) WHERE account_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX oidc_models_client_id ON oidc_models (client_id) WHERE client_id IS NOT NULL`.execute(db);
}

/** The old index on payload expressions is not brought back: building it fails on the rows this migration tolerates. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX oidc_models_client_id`.execute(db);
  await sql`DROP INDEX oidc_models_account_id`.execute(db);
  await sql`DROP INDEX oidc_models_grant_account`.execute(db);
  await sql`ALTER TABLE oidc_models DROP COLUMN client_id, DROP COLUMN account_id`.execute(db);
}

async function backfill(db: Kysely<any>): Promise<void> {
  let after: { model: string; id: string } | undefined;
  for (;;) {
    const { rows } = await sql<{ model: string; id: string; payload: string }>`
      SELECT model, id, payload::text AS payload FROM oidc_models
      ${after ? sql`WHERE (model, id) > (${after.model}, ${after.id})` : sql``}
      ORDER BY model, id LIMIT ${batchSize}`.execute(db);
    if (!rows.length) return;
    const filled = rows.map((row) => ({ model: row.model, id: row.id, ...lookupColumns(row.model, row.payload) }))
      .filter((row) => row.client_id !== null || row.account_id !== null);
    if (filled.length) {
      await sql`
        UPDATE oidc_models m SET client_id = v.client_id, account_id = v.account_id
        FROM unnest(${filled.map((r) => r.model)}::text[], ${filled.map((r) => r.id)}::text[],
                    ${filled.map((r) => r.client_id)}::text[], ${filled.map((r) => r.account_id)}::text[])
          AS v(model, id, client_id, account_id)
        WHERE m.model = v.model AND m.id = v.id`.execute(db);
    }
    after = rows.at(-1)!;
  }
}

/** The same fields the adapter writes today (src/oidc/adapter.ts), as they were when this migration was written. */
function lookupColumns(model: string, text: string): { client_id: string | null; account_id: string | null } {
  let payload: Record<string, any>;
  try {
    payload = JSON.parse(text);
  } catch {
    return { client_id: null, account_id: null };
  }
  if (model === 'Interaction') {
    return { client_id: plainText(payload?.params?.client_id), account_id: plainText(payload?.session?.accountId) };
  }
  return { client_id: plainText(payload?.clientId), account_id: plainText(payload?.accountId) };
}

function plainText(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && !value.includes('\u0000') && value.isWellFormed()
    ? value : null;
}

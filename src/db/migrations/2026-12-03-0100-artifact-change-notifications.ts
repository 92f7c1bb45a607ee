import { sql, type Kysely } from 'kysely';

/**
 * Tells every node which of the artifacts its cache holds (src/oidc/artifact-cache.ts) changed, on the channel of
 * 2026-11-27-0001-change-notifications: `oidc_models:<model>:<id>` for access tokens, client-credentials tokens and
 * grants, `oidc_models:Session:<uid>` for sessions. `oidc_models` is written on nearly every request, so only what
 * can make a cached entry wrong is sent:
 * - no INSERT: a node never keeps a miss;
 * - no change to a row that had already expired: nodes dropped it when it expired, so the expiry sweep of thousands
 *   of rows sends nothing;
 * - an UPDATE only when something a node answers from changes: the payload (its expiry aside), the uid, the
 *   consumption, or an expiry that moves earlier. A session saved again with the same content — as many requests
 *   do — sends nothing.
 */
const watchedModels = sql.raw(`('AccessToken', 'ClientCredentials', 'Grant', 'Session')`);

/**
 * A payload's text without its expiry. Payloads are json (2026-11-25-0001-oidc-payload-json: never cast to jsonb,
 * which refuses some text) written by JSON.stringify, so `"exp":<digits>` is the member exactly.
 */
const withoutExpiry = (row: 'OLD' | 'NEW') => sql.raw(`regexp_replace(${row}.payload::text, '"exp":[0-9]+', '')`);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION sesame_notify_artifact_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('sesame_changes', 'oidc_models:' || OLD.model || ':' ||
        (CASE OLD.model WHEN 'Session' THEN OLD.uid ELSE OLD.id END));
      RETURN NULL;
    END $$`.execute(db);
  const live = sql`(OLD.expires_at IS NULL OR OLD.expires_at > now())`;
  const keyed = sql`(OLD.model <> 'Session' OR OLD.uid IS NOT NULL)`;
  await sql`
    CREATE TRIGGER oidc_models_notify_delete AFTER DELETE ON oidc_models FOR EACH ROW
    WHEN (OLD.model IN ${watchedModels} AND ${keyed} AND ${live})
    EXECUTE FUNCTION sesame_notify_artifact_change()`.execute(db);
  await sql`
    CREATE TRIGGER oidc_models_notify_update AFTER UPDATE ON oidc_models FOR EACH ROW
    WHEN (OLD.model IN ${watchedModels} AND ${keyed} AND ${live} AND (
      OLD.model IS DISTINCT FROM NEW.model OR OLD.uid IS DISTINCT FROM NEW.uid
      OR OLD.consumed_at IS DISTINCT FROM NEW.consumed_at
      OR ${withoutExpiry('OLD')} IS DISTINCT FROM ${withoutExpiry('NEW')}
      OR coalesce(NEW.expires_at, 'infinity') < coalesce(OLD.expires_at, 'infinity')))
    EXECUTE FUNCTION sesame_notify_artifact_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER oidc_models_notify_update ON oidc_models`.execute(db);
  await sql`DROP TRIGGER oidc_models_notify_delete ON oidc_models`.execute(db);
  await sql`DROP FUNCTION sesame_notify_artifact_change()`.execute(db);
}

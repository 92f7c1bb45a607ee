import { CompiledQuery } from 'kysely';
import { reportedByCaller } from '../db/committed-writes.ts';
import type { Db } from '../db/database.ts';
import { prepared } from '../db/prepared-statements.ts';

/** One artifact as stored: its lookup columns, its payload as JSON text, and how long it lives (null: for ever). */
export interface ArtifactRow {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  clientId: string | null;
  accountId: string | null;
  lifetimeSeconds: number | null;
}

interface PendingUpsert {
  row: ArtifactRow;
  resolve(): void;
  reject(error: unknown): void;
}

/** Most artifacts in one statement. */
const maxBatch = 100;

// One text for any number of artifacts (written once, not compiled per batch), so it is prepared once per
// connection. A row without a lifetime never expires (now() + NULL is NULL). Payloads go as json, never jsonb
// (2026-11-25-0001-oidc-payload-json), which keeps their text as written. The adapter tells this node's artifact
// cache what it changed, so the pool does not report it as a change to the whole table.
export const upsertStatement = reportedByCaller(prepared(`
  INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, client_id, account_id, expires_at)
  SELECT model, id, payload, grant_id, uid, user_code, client_id, account_id, now() + make_interval(secs => lifetime)
  FROM unnest($1::text[], $2::text[], $3::json[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::double precision[])
    AS given(model, id, payload, grant_id, uid, user_code, client_id, account_id, lifetime)
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, client_id = excluded.client_id, account_id = excluded.account_id,
    expires_at = excluded.expires_at`));

/**
 * Stores oidc-provider's artifacts in as few statements as possible (group commit): the upserts made in the same
 * turn of the event loop — each token request stores its token, and concurrent requests add theirs — go to the
 * database as one statement, which commits on its own. Each caller's promise settles once that statement has
 * answered: resolved when its artifact is committed (a token is handed out only once it is stored, and a restart
 * loses none), rejected with the error otherwise.
 * - One statement cannot write a row twice, so an artifact upserted twice in one turn is written once, as last
 *   given; both callers hear of that write.
 * - If a batch fails, its artifacts are stored again one statement each, so the one that cannot be stored fails
 *   alone and the others are stored.
 */
export class ArtifactWriter {
  readonly #db: Db;
  /** The upserts of this turn by artifact, in the order they were made. */
  #pending = new Map<string, PendingUpsert[]>();

  constructor(db: Db) {
    this.#db = db;
  }

  upsert(row: ArtifactRow): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#pending.size) setImmediate(() => this.#flush());
      const key = `${row.model}\0${row.id}`;
      const upserts = this.#pending.get(key);
      if (upserts) upserts.push({ row, resolve, reject });
      else this.#pending.set(key, [{ row, resolve, reject }]);
    });
  }

  #flush(): void {
    const artifacts = [...this.#pending.values()];
    this.#pending = new Map();
    for (let i = 0; i < artifacts.length; i += maxBatch) void this.#write(artifacts.slice(i, i + maxBatch));
  }

  /** Writes each artifact's last upsert in one statement; on failure, each upsert alone. */
  async #write(artifacts: PendingUpsert[][]): Promise<void> {
    try {
      await this.#store(artifacts.map((upserts) => upserts.at(-1)!.row));
    } catch (error) {
      if (artifacts.length === 1 && artifacts[0]!.length === 1) {
        artifacts[0]![0]!.reject(error);
        return;
      }
      // The upserts of one artifact in their order, so the last one given is the one kept.
      await Promise.all(artifacts.map(async (upserts) => {
        for (const upsert of upserts) await this.#store([upsert.row]).then(upsert.resolve, upsert.reject);
      }));
      return;
    }
    for (const upserts of artifacts) for (const upsert of upserts) upsert.resolve();
  }

  async #store(rows: ArtifactRow[]): Promise<void> {
    await this.#db.executeQuery(CompiledQuery.raw(upsertStatement, [
      rows.map((row) => row.model), rows.map((row) => row.id), rows.map((row) => row.payload),
      rows.map((row) => row.grantId), rows.map((row) => row.uid), rows.map((row) => row.userCode),
      rows.map((row) => row.clientId), rows.map((row) => row.accountId), rows.map((row) => row.lifetimeSeconds),
    ]));
  }
}

/**
 * A second baseline's store: oidc-provider's adapter contract on PostgreSQL, written the plain way of the engine's
 * example adapters and those built on them — one record per artifact (a table row, the payload as JSONB), one
 * statement per adapter call, each committed before the engine goes on — through a pool of 10 connections (Sesame's
 * own size). Run against it, bare oidc-provider shows what storing its artifacts in PostgreSQL costs the engine on
 * this machine, apart from anything Sesame adds; `npm run bench -- --targets baseline,baseline-postgres,postgres`.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import pg from 'pg';

export const baselineSchema = `
  CREATE TABLE IF NOT EXISTS oidc_baseline (
    model text NOT NULL,
    id text NOT NULL,
    payload jsonb NOT NULL,
    grant_id text,
    uid text,
    user_code text,
    expires_at timestamptz,
    consumed_at timestamptz,
    PRIMARY KEY (model, id)
  );
  CREATE INDEX IF NOT EXISTS oidc_baseline_uid ON oidc_baseline (model, uid);
  CREATE INDEX IF NOT EXISTS oidc_baseline_user_code ON oidc_baseline (model, user_code);
  CREATE INDEX IF NOT EXISTS oidc_baseline_grant_id ON oidc_baseline (grant_id);`;

let pool: pg.Pool | undefined;

/** Connects the adapter to `url` and creates its table. */
export async function connectBaselineStore(url: string): Promise<void> {
  pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(baselineSchema);
}

function db(): pg.Pool {
  if (!pool) throw new Error('connectBaselineStore was not called');
  return pool;
}

interface Row { payload: AdapterPayload; consumed_at: Date | null }

function payloadOf(row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
}

const live = '(expires_at IS NULL OR expires_at > now())';

export class PostgresBaselineAdapter implements Adapter {
  readonly #model: string;

  constructor(model: string) {
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await db().query(
      `INSERT INTO oidc_baseline (model, id, payload, grant_id, uid, user_code, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7::double precision))
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
         uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
      [this.#model, id, payload, payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, expiresIn ?? null],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const { rows } = await db().query<Row>(`SELECT payload, consumed_at FROM oidc_baseline WHERE model = $1 AND id = $2 AND ${live}`, [this.#model, id]);
    return payloadOf(rows[0]);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const { rows } = await db().query<Row>(`SELECT payload, consumed_at FROM oidc_baseline WHERE model = $1 AND uid = $2 AND ${live}`, [this.#model, uid]);
    return payloadOf(rows[0]);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const { rows } = await db().query<Row>(`SELECT payload, consumed_at FROM oidc_baseline WHERE model = $1 AND user_code = $2 AND ${live}`, [this.#model, userCode]);
    return payloadOf(rows[0]);
  }

  async consume(id: string): Promise<void> {
    await db().query('UPDATE oidc_baseline SET consumed_at = now() WHERE model = $1 AND id = $2', [this.#model, id]);
  }

  async destroy(id: string): Promise<void> {
    await db().query('DELETE FROM oidc_baseline WHERE model = $1 AND id = $2', [this.#model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await db().query('DELETE FROM oidc_baseline WHERE grant_id = $1', [grantId]);
  }
}

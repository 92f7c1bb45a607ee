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

/** A one-time artifact (a code, a refresh token being rotated) that a write may only be made by consuming. */
export interface Consume {
  model: string;
  id: string;
}

/** The write was not made: the artifact it had to consume was consumed already (or is gone). */
export class AlreadyConsumed extends Error {
  override name = 'AlreadyConsumed';
  readonly consume: Consume;
  constructor(consume: Consume) {
    super(`${consume.model} ${consume.id} was consumed already`);
    this.consume = consume;
  }
}

interface PendingUpsert {
  row: ArtifactRow;
  consume: Consume | undefined;
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
 * The same, where some rows may be written only by consuming a one-time artifact (`$10`, `$11`: its model and id, or
 * nulls): the consume is the conditional UPDATE of src/oidc/adapter.ts, so of two writes that need one code exactly
 * one is made, and a row whose consume lost is not written — the whole is one statement, so neither the consume nor
 * the write happens without the other. Returns the rows written.
 */
export const upsertConsumingStatement = reportedByCaller(prepared(`
  WITH consumed AS (
    UPDATE oidc_models SET consumed_at = now()
    FROM unnest($10::text[], $11::text[]) AS wanted(model, id)
    WHERE oidc_models.model = wanted.model AND oidc_models.id = wanted.id AND oidc_models.consumed_at IS NULL
    RETURNING oidc_models.model, oidc_models.id)
  INSERT INTO oidc_models (model, id, payload, grant_id, uid, user_code, client_id, account_id, expires_at)
  SELECT model, id, payload, grant_id, uid, user_code, client_id, account_id, now() + make_interval(secs => lifetime)
  FROM unnest($1::text[], $2::text[], $3::json[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::double precision[],
    $10::text[], $11::text[])
    AS given(model, id, payload, grant_id, uid, user_code, client_id, account_id, lifetime, consume_model, consume_id)
  WHERE given.consume_id IS NULL
    OR EXISTS (SELECT 1 FROM consumed WHERE consumed.model = given.consume_model AND consumed.id = given.consume_id)
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, client_id = excluded.client_id, account_id = excluded.account_id,
    expires_at = excluded.expires_at
  RETURNING model, id`));

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
 * - An upsert may carry the consume of a one-time artifact (a token request consumes its code, then stores the
 *   token): the two go as one statement, and the upsert fails with AlreadyConsumed if another consumed it first.
 *   Upserts of the turn that share a consume, or an artifact that one with a consume writes, go one statement each,
 *   in order.
 */
export class ArtifactWriter {
  readonly #db: Db;
  /** The upserts of this turn by artifact, in the order they were made. */
  #pending = new Map<string, PendingUpsert[]>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Stores `row`; with `consume`, only by consuming that artifact in the same statement. */
  upsert(row: ArtifactRow, consume?: Consume): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#pending.size) setImmediate(() => this.#flush());
      const key = keyOf(row);
      const upserts = this.#pending.get(key);
      if (upserts) upserts.push({ row, consume, resolve, reject });
      else this.#pending.set(key, [{ row, consume, resolve, reject }]);
    });
  }

  #flush(): void {
    const artifacts = [...this.#pending.values()];
    this.#pending = new Map();
    for (let i = 0; i < artifacts.length; i += maxBatch) void this.#write(artifacts.slice(i, i + maxBatch));
  }

  /** Writes each artifact's last upsert in one statement; on failure, and where a consume needs it, each upsert alone. */
  async #write(artifacts: PendingUpsert[][]): Promise<void> {
    const [together, alone] = partition(artifacts);
    await Promise.all([this.#writeTogether(together), ...alone.map((upserts) => this.#writeInTurn(upserts))]);
  }

  async #writeTogether(artifacts: PendingUpsert[][]): Promise<void> {
    if (!artifacts.length) return;
    let written: Set<string>;
    try {
      written = await this.#store(artifacts.map((upserts) => upserts.at(-1)!));
    } catch (error) {
      if (artifacts.length === 1 && artifacts[0]!.length === 1) {
        artifacts[0]![0]!.reject(error);
        return;
      }
      await Promise.all(artifacts.map((upserts) => this.#writeInTurn(upserts)));
      return;
    }
    for (const upserts of artifacts) for (const upsert of upserts) settle(upsert, written);
  }

  /** The upserts of one artifact in their order, one statement each, so the last one given is the one kept. */
  async #writeInTurn(upserts: PendingUpsert[]): Promise<void> {
    for (const upsert of upserts) await this.#store([upsert]).then((written) => settle(upsert, written), upsert.reject);
  }

  /** The keys of the rows written. */
  async #store(upserts: PendingUpsert[]): Promise<Set<string>> {
    const rows = upserts.map((upsert) => upsert.row);
    const columns = [
      rows.map((row) => row.model), rows.map((row) => row.id), rows.map((row) => row.payload),
      rows.map((row) => row.grantId), rows.map((row) => row.uid), rows.map((row) => row.userCode),
      rows.map((row) => row.clientId), rows.map((row) => row.accountId), rows.map((row) => row.lifetimeSeconds),
    ];
    if (!upserts.some((upsert) => upsert.consume)) {
      await this.#db.executeQuery(CompiledQuery.raw(upsertStatement, columns));
      return new Set(rows.map(keyOf));
    }
    const { rows: written } = await this.#db.executeQuery<{ model: string; id: string }>(CompiledQuery.raw(upsertConsumingStatement, [
      ...columns, upserts.map((upsert) => upsert.consume?.model ?? null), upserts.map((upsert) => upsert.consume?.id ?? null),
    ]));
    return new Set(written.map(keyOf));
  }
}

const keyOf = (row: { model: string; id: string }) => `${row.model}\0${row.id}`;

function settle(upsert: PendingUpsert, written: Set<string>): void {
  if (written.has(keyOf(upsert.row))) upsert.resolve();
  else upsert.reject(new AlreadyConsumed(upsert.consume!));
}

/**
 * Which artifacts go in the turn's one statement: those upserted without a consume, and those upserted once with a
 * consume no other upsert needs, of an artifact no upsert of the turn writes. The rest go alone, their upserts in order.
 */
function partition(artifacts: PendingUpsert[][]): [PendingUpsert[][], PendingUpsert[][]] {
  const rows = new Set(artifacts.map((upserts) => keyOf(upserts[0]!.row)));
  const consumes = new Map<string, number>();
  for (const upserts of artifacts) {
    for (const { consume } of upserts) if (consume) consumes.set(keyOf(consume), (consumes.get(keyOf(consume)) ?? 0) + 1);
  }
  const together: PendingUpsert[][] = [];
  const alone: PendingUpsert[][] = [];
  for (const upserts of artifacts) {
    const consume = upserts[0]!.consume;
    const simple = upserts.every((upsert) => !upsert.consume)
      || (upserts.length === 1 && consumes.get(keyOf(consume!)) === 1 && !rows.has(keyOf(consume!)));
    (simple ? together : alone).push(upserts);
  }
  return [together, alone];
}

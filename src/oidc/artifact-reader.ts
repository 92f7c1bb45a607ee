import { CompiledQuery } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { prepared } from '../db/prepared-statements.ts';

interface Row {
  model: string;
  id: string;
  payload: unknown;
  consumed_at: Date | null;
  grant_payload: unknown;
}

interface PendingFind {
  model: string;
  id: string;
  /** The request the find belongs to, which keeps the artifact's grant for its next lookup. */
  request: object | undefined;
  resolve(payload: AdapterPayload | undefined): void;
  reject(error: unknown): void;
}

/** Most lookups in one statement. */
const maxBatch = 100;

// One text for any number of lookups (written once, not compiled per batch): live artifacts by model and id, each
// with its live grant.
export const findStatement = prepared(`
  SELECT t.model, t.id, t.payload, t.consumed_at, g.payload AS grant_payload
  FROM unnest($1::text[], $2::text[]) AS wanted(model, id)
  JOIN oidc_models t ON t.model = wanted.model AND t.id = wanted.id
  LEFT JOIN oidc_models g ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > now())
  WHERE t.expires_at IS NULL OR t.expires_at > now()`);

/**
 * Finds oidc-provider's artifacts by id in as few round trips as possible:
 * - Lookups made in the same turn of the event loop — oidc-provider looks a presented token up as an access token,
 *   a client-credentials token and a refresh token at once, and concurrent requests add theirs — go to the
 *   database as one statement.
 * - That statement brings each artifact's grant along. The grant is kept for the request that asked (and for
 *   nothing else), and its next `Grant.find` of that id is answered from it once: oidc-provider always loads
 *   the grant right after the token, so introspection, userinfo and refresh read both in one round trip. Both
 *   come from one snapshot, which is at least as consistent as two reads.
 */
export class ArtifactReader {
  readonly #db: Db;
  readonly #grants = new WeakMap<object, Map<string, AdapterPayload>>();
  #pending: PendingFind[] = [];

  constructor(db: Db) {
    this.#db = db;
  }

  find(model: string, id: string, request: object | undefined): Promise<AdapterPayload | undefined> {
    if (model === 'Grant' && request) {
      const kept = this.#grants.get(request);
      const grant = kept?.get(id);
      if (grant) {
        kept!.delete(id);
        return Promise.resolve(grant);
      }
    }
    return new Promise((resolve, reject) => {
      if (!this.#pending.length) setImmediate(() => this.#flush());
      this.#pending.push({ model, id, request, resolve, reject });
    });
  }

  /** Forgets a grant kept for `request`: it is being changed. */
  forgetGrant(id: string, request: object | undefined): void {
    if (request) this.#grants.get(request)?.delete(id);
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (let i = 0; i < pending.length; i += maxBatch) void this.#read(pending.slice(i, i + maxBatch));
  }

  async #read(batch: PendingFind[]): Promise<void> {
    let rows: Row[];
    try {
      ({ rows } = await this.#db.executeQuery<Row>(
        CompiledQuery.raw(findStatement, [batch.map((find) => find.model), batch.map((find) => find.id)]),
      ));
    } catch (error) {
      for (const find of batch) find.reject(error);
      return;
    }
    const found = new Map(rows.map((row) => [`${row.model}\0${row.id}`, row]));
    const handedOut = new Set<Row>();
    for (const find of batch) {
      const row = found.get(`${find.model}\0${find.id}`);
      if (!row) {
        find.resolve(undefined);
        continue;
      }
      // Each caller gets payloads of its own: oidc-provider may change what it is given.
      const again = handedOut.has(row);
      handedOut.add(row);
      const payload = (again ? structuredClone(row.payload) : row.payload) as AdapterPayload;
      if (row.grant_payload && find.request && typeof payload.grantId === 'string') {
        const grant = (again ? structuredClone(row.grant_payload) : row.grant_payload) as AdapterPayload;
        const kept = this.#grants.get(find.request) ?? new Map<string, AdapterPayload>();
        kept.set(payload.grantId, grant);
        this.#grants.set(find.request, kept);
      }
      find.resolve(row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload);
    }
  }
}

import { CompiledQuery } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { prepared } from '../db/prepared-statements.ts';
import type { ArtifactCache } from './artifact-cache.ts';

interface Row {
  model: string;
  id: string;
  payload: unknown;
  consumed_at: Date | null;
  expires_at: Date | null;
  grant_id: string | null;
  grant_payload: unknown;
  grant_expires_at: Date | null;
  session_uid: string | null;
  session_payload: unknown;
  session_expires_at: Date | null;
}

interface PendingFind {
  model: string;
  id: string;
  /** The request the find belongs to, which keeps the artifact's grant and session for its next lookup of them. */
  request: object | undefined;
  resolve(payload: AdapterPayload | undefined): void;
  reject(error: unknown): void;
}

/** Most lookups in one statement. */
const maxBatch = 100;

// One text for any number of lookups (written once, not compiled per batch): live artifacts by model and id, each
// with its live grant and, when it expires with its session, its live session.
export const findStatement = prepared(`
  SELECT t.model, t.id, t.payload, t.consumed_at, t.expires_at,
    g.id AS grant_id, g.payload AS grant_payload, g.expires_at AS grant_expires_at,
    s.uid AS session_uid, s.payload AS session_payload, s.expires_at AS session_expires_at
  FROM unnest($1::text[], $2::text[]) AS wanted(model, id)
  JOIN oidc_models t ON t.model = wanted.model AND t.id = wanted.id
  LEFT JOIN oidc_models g ON g.model = 'Grant' AND g.id = t.grant_id AND (g.expires_at IS NULL OR g.expires_at > now())
  LEFT JOIN LATERAL (
    SELECT uid, payload, expires_at FROM oidc_models
    WHERE t.payload->>'expiresWithSession' = 'true' AND model = 'Session' AND uid = t.payload->>'sessionUid'
      AND (expires_at IS NULL OR expires_at > now())
    LIMIT 1
  ) s ON true
  WHERE t.expires_at IS NULL OR t.expires_at > now()`);

/** An artifact by its uid (oidc-provider looks Sessions up so). */
export const findByUidStatement = prepared(`
  SELECT payload, consumed_at, expires_at FROM oidc_models
  WHERE model = $1 AND uid = $2 AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`);

const withConsumed = (payload: AdapterPayload, consumedAt: Date | null): AdapterPayload =>
  consumedAt ? { ...payload, consumed: Math.floor(consumedAt.getTime() / 1000) } : payload;

/**
 * Finds oidc-provider's artifacts in as few round trips as possible:
 * - This node's copy (src/oidc/artifact-cache.ts), when it has one, answers without a round trip: a warm userinfo
 *   or introspection call reads nothing.
 * - Lookups made in the same turn of the event loop — oidc-provider looks a presented token up as an access token,
 *   a client-credentials token and a refresh token at once, and concurrent requests add theirs — go to the
 *   database as one statement.
 * - That statement brings each artifact's grant along, and its session when it expires with it. They are kept for
 *   the request that asked (and for nothing else), and its next `Grant.find` of that id, or `Session.findByUid` of
 *   that uid, is answered from them once: oidc-provider always loads the grant right after the token, and checks
 *   the session of a token bound to it, so a cold userinfo or introspection call is one round trip. All come from
 *   one snapshot, which is at least as consistent as separate reads.
 */
export class ArtifactReader {
  readonly #db: Db;
  readonly #cache: ArtifactCache | undefined;
  /**
   * Per request: grants (`Grant:<id>`) and sessions (`Session:<uid>`) its token lookup brought along, and sessions
   * it found by id, as stored (`Stored:<id>`, src/oidc/session-refresh.ts).
   */
  readonly #kept = new WeakMap<object, Map<string, AdapterPayload>>();
  #pending: PendingFind[] = [];

  constructor(db: Db, cache?: ArtifactCache) {
    this.#db = db;
    this.#cache = cache;
  }

  find(model: string, id: string, request: object | undefined): Promise<AdapterPayload | undefined> {
    const kept = model === 'Grant' ? this.#take(request, `Grant:${id}`) : undefined;
    if (kept) return Promise.resolve(kept);
    if (this.#cache?.isOtherToken(model, id)) return Promise.resolve(undefined);
    const cached = this.#cache?.find(model, id);
    if (cached) {
      // As stored, for the request's save of it: a second copy of this node's (src/oidc/session-refresh.ts).
      if (model === 'Session' && request) this.#keepFor(request, `Stored:${id}`, this.#cache!.find(model, id)!);
      return Promise.resolve(cached);
    }
    return new Promise((resolve, reject) => {
      if (!this.#pending.length) setImmediate(() => this.#flush());
      this.#pending.push({ model, id, request, resolve, reject });
    });
  }

  /** An artifact of `model` by its uid: a session the request's token lookup brought along, else this node's copy, else the database's. */
  async findByUid(model: string, uid: string, request: object | undefined): Promise<AdapterPayload | undefined> {
    const session = model === 'Session';
    const kept = session ? this.#take(request, `Session:${uid}`) ?? this.#cache?.findSession(uid) : undefined;
    if (kept) return kept;
    const stamp = session ? this.#cache?.stamp() : undefined;
    const { rows: [row] } = await this.#db.executeQuery<{ payload: unknown; consumed_at: Date | null; expires_at: Date | null }>(
      CompiledQuery.raw(findByUidStatement, [model, uid]),
    );
    if (!row) return undefined;
    const payload = withConsumed(row.payload as AdapterPayload, row.consumed_at);
    if (stamp !== undefined) this.#cache!.keepSession(uid, payload, row, stamp);
    return payload;
  }

  /** The session `id` as stored when `request` found it (once: a write makes it stale). */
  takeStoredSession(request: object | undefined, id: string): AdapterPayload | undefined {
    return this.#take(request, `Stored:${id}`);
  }

  /** Forgets what was kept for `request` of the artifact `model` with `id` (a Session by uid): it is being changed. */
  forgetFor(request: object | undefined, model: string, id: string): void {
    if (request) this.#kept.get(request)?.delete(`${model}:${id}`);
  }

  #take(request: object | undefined, key: string): AdapterPayload | undefined {
    const kept = request ? this.#kept.get(request) : undefined;
    const payload = kept?.get(key);
    if (payload) kept!.delete(key);
    return payload;
  }

  #keepFor(request: object, key: string, payload: AdapterPayload): void {
    const kept = this.#kept.get(request) ?? new Map<string, AdapterPayload>();
    kept.set(key, payload);
    this.#kept.set(request, kept);
  }

  /** A copy of the session `id` as the database holds it, for `request`'s save of it (src/oidc/session-refresh.ts). */
  #keepStored(request: object | undefined, id: string, payload: AdapterPayload): void {
    if (request) this.#keepFor(request, `Stored:${id}`, structuredClone(payload));
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (let i = 0; i < pending.length; i += maxBatch) void this.#read(pending.slice(i, i + maxBatch));
  }

  async #read(batch: PendingFind[]): Promise<void> {
    const stamp = this.#cache?.stamp();
    let rows: Row[];
    try {
      ({ rows } = await this.#db.executeQuery<Row>(
        CompiledQuery.raw(findStatement, [batch.map((find) => find.model), batch.map((find) => find.id)]),
      ));
    } catch (error) {
      for (const find of batch) find.reject(error);
      return;
    }
    if (stamp !== undefined) for (const row of rows) this.#cacheRow(row, stamp);
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
      const own = <T>(value: T): T => (again ? structuredClone(value) : value);
      if (find.request && row.grant_id && row.grant_payload) {
        this.#keepFor(find.request, `Grant:${row.grant_id}`, own(row.grant_payload) as AdapterPayload);
      }
      if (find.request && row.session_uid && row.session_payload) {
        this.#keepFor(find.request, `Session:${row.session_uid}`, own(row.session_payload) as AdapterPayload);
      }
      if (row.model === 'Session') this.#keepStored(find.request, row.id, row.payload as AdapterPayload);
      find.resolve(withConsumed(own(row.payload) as AdapterPayload, row.consumed_at));
    }
  }

  /** Gives this node's cache copies of what a read stamped `stamp` found, before any caller can change them. */
  #cacheRow(row: Row, stamp: number): void {
    const cache = this.#cache!;
    cache.keep(row.model, row.id, withConsumed(row.payload as AdapterPayload, row.consumed_at), row, stamp);
    if (row.grant_id && row.grant_payload) {
      cache.keep('Grant', row.grant_id, row.grant_payload as AdapterPayload, { expires_at: row.grant_expires_at }, stamp);
    }
    if (row.session_uid && row.session_payload) {
      cache.keepSession(row.session_uid, row.session_payload as AdapterPayload, { expires_at: row.session_expires_at }, stamp);
    }
  }
}

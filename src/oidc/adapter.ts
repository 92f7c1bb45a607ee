import { randomBytes } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { errors, Provider, type Adapter, type AdapterPayload } from 'oidc-provider';
import { clientMetadata } from '../apps/client-metadata.ts';
import { hashClientSecret } from '../apps/app.repository.ts';
import { isThirdParty } from '../apps/third-party.ts';
import type { Directory } from '../cache/directory.ts';
import { reportedByCaller } from '../db/committed-writes.ts';
import type { Db } from '../db/database.ts';
import { prepared } from '../db/prepared-statements.ts';
import { isStorableText, readableJson } from '../db/text.ts';
import { revokeGrant } from '../grants/grant.repository.ts';
import type { ArtifactCache } from './artifact-cache.ts';
import { artifactOwner } from './artifact-owner.ts';
import { ArtifactReader, findByUidStatement } from './artifact-reader.ts';
import { AlreadyConsumed, ArtifactWriter, type Consume } from './artifact-writer.ts';
import { presentedClientSecret } from './presented-client-secret.ts';
import { onlyExtendsExpiry } from './session-refresh.ts';
import type { ClientRegistrations } from './registered-clients.ts';

const consumableLabels: Record<string, string> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
};

// The statements every token request runs are written once, not built and compiled by Kysely each time, and
// prepared once per PostgreSQL connection (the upsert: src/oidc/artifact-writer.ts). The adapter tells this node's artifact cache which rows its writes
// changed (src/oidc/artifact-cache.ts), so the pool does not report them as a change to the whole table.
export const consumeStatement = reportedByCaller(prepared(`
  UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL RETURNING grant_id`));
// Every sign-in and consent ends by deleting its interaction: prepared, PostgreSQL spends 40 µs of CPU on it, not 100.
const destroyStatement = reportedByCaller(prepared(`DELETE FROM oidc_models WHERE model = $1 AND id = $2 RETURNING uid`));
/**
 * A grant's rows are found through the grant_id index alone, whatever the statistics say: with `model = $2` as such,
 * the planner took the primary key's `model` prefix wherever it believed that model rare (statistics lag autovacuum
 * by 10 % of the table) and read every access token to find one grant's (20 ms at 18,000 tokens, growing with them).
 * `model || ''` is PostgreSQL's idiom for a condition no index serves; it filters the grant's few rows.
 */
export const revokeByGrantIdStatement = reportedByCaller(`
  DELETE FROM oidc_models WHERE grant_id = $1 AND model || '' = $2 RETURNING id`);
/**
 * A proof's jti (DPoP, RFC 9449 §11.1) is stored only if no live entry holds it: of two nodes that see the same
 * proof at once, exactly one stores it. oidc-provider looks the jti up first, which alone would let both pass.
 */
export const storeOnceStatement = reportedByCaller(prepared(`
  INSERT INTO oidc_models (model, id, payload, client_id, expires_at)
  VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision))
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, client_id = excluded.client_id,
    expires_at = excluded.expires_at, consumed_at = NULL
  WHERE oidc_models.expires_at <= now()
  RETURNING 1 AS stored`));
export const findByStatements = {
  uid: findByUidStatement,
  user_code: prepared(`SELECT payload, consumed_at FROM oidc_models
              WHERE model = $1 AND user_code = $2 AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`),
};

/**
 * oidc-provider's storage on PostgreSQL: one table for every model, lookup columns indexed (among them the
 * artifact's app and user, so revocation never parses payloads; src/oidc/artifact-owner.ts).
 * Consuming is a conditional UPDATE, so of two concurrent consumers exactly one wins; the loser's
 * grant is revoked, as for any reuse of a one-time artifact.
 */
/**
 * Device codes stay findable this long after they expire, so a device polling late hears `expired_token` (RFC 8628
 * §3.5) and a person typing an old code is told it expired, not that it is wrong: oidc-provider checks the
 * expiry written in the payload itself.
 */
const deviceCodeGraceSeconds = 3600;

/** Called with each device code found by id: the device polling for it (src/oidc/device-polling.ts). */
export type DeviceCodeFound = (id: string, payload: AdapterPayload) => Promise<void>;

export class PostgresAdapter implements Adapter {
  readonly #db: Db;
  readonly #model: string;
  readonly #reader: ArtifactReader;
  readonly #cache: ArtifactCache | undefined;
  readonly #writer: ArtifactWriter;

  /** `cache`: this node's copy of tokens, grants and sessions, told of every write made here. */
  constructor(db: Db, model: string, cache?: ArtifactCache) {
    this.#db = db;
    this.#model = model;
    this.#reader = readerFor(db, cache);
    this.#cache = cache;
    this.#writer = writerFor(db);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.#model === 'ReplayDetection') return this.#storeOnce(id, payload, expiresIn);
    if (this.#model === 'Grant') this.#reader.forgetFor(Provider.ctx, 'Grant', id);
    if (this.#model === 'Session') {
      const stored = this.#reader.takeStoredSession(Provider.ctx, id);
      if (stored && onlyExtendsExpiry(stored, payload, expiresIn)) return;
    }
    const owner = artifactOwner(this.#model, payload);
    const consume = takeWaitingConsume(Provider.ctx);
    await this.#writer.upsert({
      model: this.#model, id, payload: readableJson(payload), grantId: payload.grantId ?? null, uid: payload.uid ?? null,
      userCode: payload.userCode ?? null, clientId: owner.clientId, accountId: owner.accountId,
      lifetimeSeconds: (this.#model === 'DeviceCode' && expiresIn ? expiresIn + deviceCodeGraceSeconds : expiresIn) || null,
    }, consume).catch(async (error: unknown) => {
      throw error instanceof AlreadyConsumed ? await consumedBefore(this.#db, error.consume) : error;
    });
    this.#forget(id, payload.uid);
  }

  /**
   * Drops this node's copy of what a write changed, once it is done: the node's next lookup sees the change without
   * waiting for its notification, and a read started meanwhile keeps nothing. A Session is cached by its uid.
   */
  #forget(id: string, uid?: unknown): void {
    if (this.#model === 'Session') {
      if (typeof uid === 'string') this.#cache?.forgetSession(uid);
    } else {
      this.#cache?.forget(this.#model, id);
    }
  }

  async #storeOnce(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // oidc-provider asks to keep a jti for its acceptance window (5 minutes) from now, yet takes proofs whose iat is
    // up to that window in the future: kept twice as long, no proof outlives its jti.
    const { rows: [stored] } = await this.#db.executeQuery(CompiledQuery.raw(storeOnceStatement, [
      this.#model, id, readableJson(payload), typeof payload.iss === 'string' ? payload.iss : null, 2 * (expiresIn || 1),
    ]));
    if (!stored) throw replayError(Provider.ctx);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    // Codes and tokens arrive from clients as they were sent.
    if (!isStorableText(id)) return undefined;
    return this.#reader.find(this.#model, id, Provider.ctx);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (!isStorableText(uid)) return undefined;
    return this.#reader.findByUid(this.#model, uid, Provider.ctx);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    if (!isStorableText(userCode)) return undefined;
    const { rows: [row] } = await this.#db.executeQuery<{ payload: unknown; consumed_at: Date | null }>(
      CompiledQuery.raw(findByStatements.user_code, [this.#model, userCode]),
    );
    if (!row) return undefined;
    const payload = row.payload as AdapterPayload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }

  async destroy(id: string): Promise<void> {
    if (this.#model === 'Grant') this.#reader.forgetFor(Provider.ctx, 'Grant', id);
    const { rows: [deleted] } = await this.#db.executeQuery<{ uid: string | null }>(CompiledQuery.raw(destroyStatement, [this.#model, id]));
    this.#forget(id, deleted?.uid);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const { rows } = await this.#db.executeQuery<{ id: string }>(CompiledQuery.raw(revokeByGrantIdStatement, [grantId, this.#model]));
    for (const { id } of rows) this.#forget(id);
  }

  /**
   * At the token endpoint, the consume waits for the request's next write, which makes both in one statement (a
   * token request consumes its code or refresh token, then stores what it issues): one round trip less, and the loser
   * of a race still fails, at that write. A request that writes nothing after it has it made when it ends
   * (settleWaitingConsume, src/oidc/consume-settling.ts). Elsewhere (a pushed request used at the authorization
   * endpoint) it is made at once.
   */
  async consume(id: string): Promise<void> {
    const ctx = Provider.ctx;
    if (ctx?.oidc?.route === 'token' && !waitingConsumes.has(ctx)) {
      waitingConsumes.set(ctx, { model: this.#model, id, db: this.#db });
      return;
    }
    await consumeNow(this.#db, { model: this.#model, id });
  }
}

/** Per request, the consume its next write is to carry. */
const waitingConsumes = new WeakMap<object, Consume & { db: Db }>();

/** The consume waiting in `ctx`, taken out: once carried or made, it is no one else's to make. */
function takeWaitingConsume(ctx: object | undefined): (Consume & { db: Db }) | undefined {
  const waiting = ctx && waitingConsumes.get(ctx);
  if (waiting) waitingConsumes.delete(ctx);
  return waiting;
}

/**
 * Makes the consume `ctx` still holds, when the request wrote nothing after it: true when there was none or it was
 * made, false when another consumed the artifact first (its grant is then revoked, as for any reuse).
 */
export async function settleWaitingConsume(ctx: object): Promise<boolean> {
  const waiting = takeWaitingConsume(ctx);
  if (!waiting) return true;
  return consumeNow(waiting.db, waiting).then(() => true, (error: unknown) => {
    if (error instanceof errors.InvalidGrant) return false;
    throw error;
  });
}

async function consumeNow(db: Db, consume: Consume): Promise<void> {
  const { rows: [won] } = await db.executeQuery(CompiledQuery.raw(consumeStatement, [consume.model, consume.id]));
  if (!won) throw await consumedBefore(db, consume);
}

/** A one-time artifact used again: its grant is revoked (RFC 6749 §4.1.2, §10.4), and the request fails. */
async function consumedBefore(db: Db, { model, id }: Consume): Promise<errors.InvalidGrant> {
  const lost = await db.selectFrom('oidc_models').select('grant_id').where('model', '=', model).where('id', '=', id).executeTakeFirst();
  if (lost?.grant_id) await revokeGrant(db, lost.grant_id);
  return new errors.InvalidGrant(`${consumableLabels[model] ?? model} already consumed`);
}

/** The error oidc-provider itself answers a replayed proof with where it checks: each endpoint's own. */
function replayError(ctx: { oidc?: { route?: string } } | undefined): Error {
  const message = 'DPoP proof JWT Replay detected';
  switch (ctx?.oidc?.route) {
    case 'token': return new errors.InvalidGrant(message);
    case 'authorization': case 'pushed_authorization_request': case 'backchannel_authentication': case 'device_authorization':
      return new errors.InvalidRequest(message);
    default: return new errors.InvalidToken(message);
  }
}

const readers = new WeakMap<object, ArtifactReader>();

/** One reader per database (per node cache), so lookups from every model and request share its batches. */
function readerFor(db: Db, cache: ArtifactCache | undefined): ArtifactReader {
  const owner = cache ?? db;
  let reader = readers.get(owner);
  if (!reader) readers.set(owner, reader = new ArtifactReader(db, cache));
  return reader;
}

const writers = new WeakMap<Db, ArtifactWriter>();

/** One writer per database, so upserts from every model and request share its batches. */
function writerFor(db: Db): ArtifactWriter {
  let writer = writers.get(db);
  if (!writer) writers.set(db, writer = new ArtifactWriter(db));
  return writer;
}

// Returned as the secret when the presented one matches none of the app's: it can never be guessed.
const unmatchableSecret = randomBytes(32).toString('base64url');

/** Whether a client's secret is the stand-in for "none presented" (never shown to a client). */
export const isUnmatchableSecret = (secret: unknown): boolean => secret === unmatchableSecret;

/**
 * Clients come from the applications table (through the node's directory cache). An app may hold several
 * secrets, stored hashed, so the client is described with the secret the request presents when its hash is one
 * of the app's.
 */
export class ApplicationClientAdapter implements Adapter {
  readonly #directory: Directory;
  readonly #beforeLoad: ((clientId: string) => Promise<void>) | undefined;
  readonly #registrations: ClientRegistrations | undefined;

  /**
   * `beforeLoad` may refuse the request (client authentication throttling, src/oidc/client-auth-throttle.ts);
   * `registrations` stores what dynamic registration saves and deletes (src/oidc/registered-clients.ts).
   */
  constructor(directory: Directory, beforeLoad?: (clientId: string) => Promise<void>, registrations?: ClientRegistrations) {
    this.#directory = directory;
    this.#beforeLoad = beforeLoad;
    this.#registrations = registrations;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    await this.#beforeLoad?.(id);
    if (!isStorableText(id)) return undefined;
    const app = await this.#directory.application(id);
    // An app named by a metadata document is described by that document, which oidc-provider fetches and keeps
    // as its HTTP caching headers say (src/oidc/client-id-metadata-document.ts); its row holds the admin's part.
    if (!app || app.origin === 'cimd') return undefined;
    const presented = presentedClientSecret(Provider.ctx);
    const presentedHash = presented ? hashClientSecret(presented) : undefined;
    const match = presentedHash ? (await this.#directory.secretHashes(id)).find((s) => s.secret_hash === presentedHash) : undefined;
    const secret = match && presented
      ? { value: presented, expiresAt: match.expires_at ? Math.floor(match.expires_at.getTime() / 1000) : 0 }
      : { value: unmatchableSecret, expiresAt: 0 };
    const userScopes = isThirdParty(app) ? await this.#directory.userScopes(app.id) : undefined;
    return clientMetadata(app, secret, userScopes) as AdapterPayload;
  }

  async upsert(id: string, metadata: AdapterPayload): Promise<void> {
    if (!this.#registrations) throw new Error('applications are managed by Sesame, not by dynamic registration');
    await this.#registrations.save(id, metadata);
  }

  async destroy(id: string): Promise<void> {
    await this.#registrations?.remove(id);
  }
  async consume(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
  async findByUid(): Promise<undefined> { return undefined; }
  async findByUserCode(): Promise<undefined> { return undefined; }
}

/** Device codes, each find of one told to `found` (which may refuse the request by throwing). */
class DeviceCodeAdapter extends PostgresAdapter {
  readonly #found: DeviceCodeFound;

  constructor(db: Db, found: DeviceCodeFound, cache?: ArtifactCache) {
    super(db, 'DeviceCode', cache);
    this.#found = found;
  }

  override async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = await super.find(id);
    if (payload) await this.#found(id, payload);
    return payload;
  }
}

export function adapterFactory(
  db: Db, directory: Directory, hooks: {
    beforeClientLoad?: (clientId: string) => Promise<void>; deviceCodeFound?: DeviceCodeFound; registrations?: ClientRegistrations;
    /** This node's copy of tokens, grants and sessions (src/oidc/artifact-cache.ts). */
    artifacts?: ArtifactCache;
  } = {},
) {
  return (model: string): Adapter => {
    if (model === 'Client') return new ApplicationClientAdapter(directory, hooks.beforeClientLoad, hooks.registrations);
    if (model === 'DeviceCode' && hooks.deviceCodeFound) return new DeviceCodeAdapter(db, hooks.deviceCodeFound, hooks.artifacts);
    return new PostgresAdapter(db, model, hooks.artifacts);
  };
}

// Unreported: the rows it deletes had expired, and caches drop expired entries on their own.
const deleteExpiredStatement = reportedByCaller(`
  WITH doomed AS (SELECT model, id FROM oidc_models WHERE expires_at < now() LIMIT $1)
  DELETE FROM oidc_models m USING doomed d WHERE m.model = d.model AND m.id = d.id
  RETURNING 1 AS n`);

/** Removes artifacts that expired; run periodically by one or many nodes. */
export async function deleteExpiredModels(db: Db, batch = 5000): Promise<number> {
  const result = await db.executeQuery(CompiledQuery.raw(deleteExpiredStatement, [batch]));
  return result.rows.length;
}

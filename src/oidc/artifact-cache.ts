import { LRUCache } from 'lru-cache';
import type { AdapterPayload } from 'oidc-provider';
import { ExpiringCache } from '../cache/expiring-cache.ts';
import type { ChangeFeed } from '../db/change-feed.ts';

/** The table whose changes concern this cache, as the change feed names it. */
const table = 'oidc_models';

/**
 * The tokens kept: the opaque access tokens userinfo, introspection and APIs present on every call. Refresh tokens,
 * codes and the like are used once or rarely, and are always read from the database.
 */
const cachedTokens = new Set(['AccessToken', 'ClientCredentials']);

/** Whether lookups of `model` by id are kept: those tokens, and the grants oidc-provider loads right after them. */
const keptById = (model: string): boolean => cachedTokens.has(model) || model === 'Grant';

/** The lookups of one presented value oidc-provider makes together when it does not know what kind of token it is. */
const tokenKinds = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken']);

/** An upper bound, should a change ever go unheard; entries usually leave sooner, when their artifact expires. */
const maxTtlMs = 5 * 60 * 1000;

/** What a row of `oidc_models` says about its expiry. */
export interface Expiry {
  expires_at: Date | null;
}

/**
 * An artifact as kept: its JSON, as the row holds it, parsed afresh for each caller (two to three times faster than
 * structuredClone, and the same value a read of the row gives); and, for a session, the id it is known by.
 */
interface Kept {
  json: string;
  jti: unknown;
}

/**
 * This node's copy of the artifacts every userinfo and introspection call reads (DESIGN.md §6): opaque access tokens
 * by id, grants by id, and sessions by uid (oidc-provider checks that the session of a token that expires with it
 * still stands) — found by id too, as every authorization request looks the person's session up by its cookie. An
 * entry is dropped when its artifact expires, and the moment a change to its row is heard — from PostgreSQL for
 * every node (src/db/migrations/2026-12-03-0100-artifact-change-notifications.ts), and at once from this node's own
 * writes (the adapter's, key by key; any other, as "the table changed", which empties it). While the change feed is
 * not live nothing is answered or kept, so a revocation is never missed.
 *
 * Keys are the notifications' own: `AccessToken:<id>`, `Grant:<id>`, `Session:<uid>`; a session's id only leads to
 * its uid, and the entry found answers for that id only if it still is the session's id (it changes at each
 * sign-in). Misses are never kept. Each caller gets a copy of its own, as oidc-provider changes what it is given.
 */
export class ArtifactCache {
  readonly #entries: ExpiringCache<Kept>;
  /** Session uid by session id: only an index into `#entries`, which alone is invalidated. */
  readonly #sessionUids: LRUCache<string, string>;
  readonly #unsubscribe: () => void;

  constructor(changes: ChangeFeed, { max = 10_000 }: { max?: number } = {}) {
    this.#entries = new ExpiringCache({ max, maxTtlMs, live: () => changes.live });
    this.#sessionUids = new LRUCache({ max });
    this.#unsubscribe = changes.subscribe({
      changed: ({ table: changed, key }) => {
        if (changed !== table) return;
        if (key === undefined) this.#entries.clear();
        else this.#entries.invalidate(key);
      },
      lost: () => this.#entries.clear(),
    });
  }

  /** Taken before a read; see ExpiringCache. */
  stamp(): number {
    return this.#entries.stamp();
  }

  /** A copy of the artifact `model` with `id`, if this node holds it. */
  find(model: string, id: string): AdapterPayload | undefined {
    if (model === 'Session') return this.#findSessionById(id);
    return keptById(model) ? this.#copy(`${model}:${id}`) : undefined;
  }

  #findSessionById(id: string): AdapterPayload | undefined {
    const uid = this.#sessionUids.get(id);
    const found = uid === undefined ? undefined : this.#entries.get(`Session:${uid}`);
    return found?.jti === id ? JSON.parse(found.json) as AdapterPayload : undefined;
  }

  /** A copy of the session with `uid`, if this node holds it. */
  findSession(uid: string): AdapterPayload | undefined {
    return this.#copy(`Session:${uid}`);
  }

  #copy(key: string): AdapterPayload | undefined {
    const found = this.#entries.get(key);
    return found && JSON.parse(found.json) as AdapterPayload;
  }

  /**
   * Whether `id`, looked up as a `model` token, is known to be another kind of token: oidc-provider looks a presented
   * value up as an access token, a client-credentials token and a refresh token at once, and ids are 43 random
   * characters, so an id kept as one kind is none of the others: those lookups need no round trip either.
   */
  isOtherToken(model: string, id: string): boolean {
    if (!tokenKinds.has(model)) return false;
    for (const kind of cachedTokens) if (kind !== model && this.#entries.get(`${kind}:${id}`)) return true;
    return false;
  }

  /** Keeps a copy of what a read stamped `stamp` found (of a model it keeps), until the artifact expires. */
  keep(model: string, id: string, payload: AdapterPayload, row: Expiry, stamp: number): void {
    if (model === 'Session') {
      if (typeof payload.uid === 'string') this.keepSession(payload.uid, payload, row, stamp);
    } else if (keptById(model)) {
      this.#keep(`${model}:${id}`, payload, row, stamp);
    }
  }

  keepSession(uid: string, payload: AdapterPayload, row: Expiry, stamp: number): void {
    this.#keep(`Session:${uid}`, payload, row, stamp);
    if (typeof payload.jti === 'string') this.#sessionUids.set(payload.jti, uid);
  }

  /** Until the earlier of the row's expiry and the payload's (oidc-provider refuses an artifact past the latter). */
  #keep(key: string, payload: AdapterPayload, row: Expiry, stamp: number): void {
    const rowExpiry = row.expires_at ? row.expires_at.getTime() : Infinity;
    const payloadExpiry = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity;
    this.#entries.keep(key, { json: JSON.stringify(payload), jti: payload.jti }, Math.min(rowExpiry, payloadExpiry), stamp);
  }

  /** This node changed the artifact `model` with `id`: its entry goes now, not when the notification comes back. */
  forget(model: string, id: string): void {
    if (keptById(model)) this.#entries.invalidate(`${model}:${id}`);
  }

  forgetSession(uid: string): void {
    this.#entries.invalidate(`Session:${uid}`);
  }

  close(): void {
    this.#unsubscribe();
    this.#entries.clear();
    this.#sessionUids.clear();
  }
}

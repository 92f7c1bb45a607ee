import { LRUCache } from 'lru-cache';

export interface ExpiringCacheOptions {
  /** Most entries kept; the least recently used go first. */
  max: number;
  /** Longest an entry is kept, whatever its own expiry, should a change ever go unheard. */
  maxTtlMs: number;
  /** Whether changes are being heard; when not, nothing is answered and nothing is kept. */
  live: () => boolean;
}

/** Invalidations remembered for reads still in flight; past this, reads that started before the oldest forgotten one keep nothing. */
const rememberedInvalidations = 10_000;

/**
 * Values found in the database, each kept until its own expiry, its key's invalidation, or eviction. The reader
 * fills it, not the cache: a read takes a `stamp()` before it asks the database, and `keep` refuses what the read
 * found if the key was invalidated (or everything cleared) since that stamp — a change heard while the read was in
 * flight never leaves the old value behind, and an invalidation of one key never stops others from being kept,
 * however many keys are written meanwhile (a token issued elsewhere must not cost this node its whole cache).
 */
export class ExpiringCache<V extends object> {
  readonly #entries: LRUCache<string, V>;
  readonly #maxTtlMs: number;
  readonly #live: () => boolean;
  /** Key → the tick of its latest invalidation, oldest first. */
  readonly #invalidated = new Map<string, number>();
  #tick = 0;
  /** Reads stamped before this tick keep nothing: everything was cleared, or an invalidation since was forgotten. */
  #floor = 0;

  constructor({ max, maxTtlMs, live }: ExpiringCacheOptions) {
    this.#entries = new LRUCache<string, V>({ max });
    this.#maxTtlMs = maxTtlMs;
    this.#live = live;
  }

  /** Taken by a read before it asks the database; what it finds is kept only if nothing it read changed since. */
  stamp(): number {
    return this.#tick;
  }

  get(key: string): V | undefined {
    return this.#live() ? this.#entries.get(key) : undefined;
  }

  /** Keeps what a read stamped `stamp` found, until `expiresAt` (epoch ms) at the latest. */
  keep(key: string, value: V, expiresAt: number, stamp: number): void {
    if (!this.#live() || stamp < this.#floor || (this.#invalidated.get(key) ?? -1) > stamp) return;
    const ttl = Math.min(expiresAt - Date.now(), this.#maxTtlMs);
    if (ttl > 0) this.#entries.set(key, value, { ttl });
  }

  invalidate(key: string): void {
    const tick = ++this.#tick;
    this.#entries.delete(key);
    this.#invalidated.delete(key);
    this.#invalidated.set(key, tick);
    if (this.#invalidated.size > rememberedInvalidations) {
      const [oldest, at] = this.#invalidated.entries().next().value!;
      this.#invalidated.delete(oldest);
      this.#floor = Math.max(this.#floor, at);
    }
  }

  clear(): void {
    this.#floor = ++this.#tick;
    this.#entries.clear();
    this.#invalidated.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

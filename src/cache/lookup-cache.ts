import { LRUCache } from 'lru-cache';

export interface LookupCacheOptions {
  /** Most entries kept; the least recently used go first. */
  max: number;
  /** Longest an entry is kept, should a change ever go unheard. */
  ttlMs: number;
  /** Whether changes are being heard; when not, every lookup goes to the database and nothing is kept. */
  live: () => boolean;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

export interface Invalidatable {
  invalidate(key: string): void;
  clear(): void;
}

/**
 * Values read from the database by key, kept until a change to their rows is heard. Found values only: an
 * unknown key is asked again each time, so made-up keys fill nothing. Values are frozen, as every request shares
 * them. A lookup that started before an invalidation is not kept, so a change heard while a read was in flight
 * never leaves the old value behind; concurrent lookups of one key share one read.
 */
export class LookupCache<V extends object> implements Invalidatable {
  readonly #load: (key: string) => Promise<V | undefined>;
  readonly #live: () => boolean;
  readonly #entries: LRUCache<string, V>;
  readonly #loading = new Map<string, Promise<V | undefined>>();
  #generation = 0;

  constructor(load: (key: string) => Promise<V | undefined>, { max, ttlMs, live }: LookupCacheOptions) {
    this.#load = load;
    this.#live = live;
    this.#entries = new LRUCache<string, V>({ max, ttl: ttlMs });
  }

  get(key: string): Promise<V | undefined> {
    if (!this.#live()) return this.#load(key);
    const hit = this.#entries.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const generation = this.#generation;
    const loading = this.#load(key).then((value) => {
      if (value !== undefined && generation === this.#generation && this.#live()) this.#entries.set(key, deepFreeze(value));
      return value;
    }).finally(() => {
      if (this.#loading.get(key) === loading) this.#loading.delete(key);
    });
    this.#loading.set(key, loading);
    return loading;
  }

  invalidate(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
    this.#loading.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#loading.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

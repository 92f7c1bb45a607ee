import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** The channel src/db/migrations/2026-11-27-0001-change-notifications.ts notifies on. */
export const changeChannel = 'sesame_changes';

/** A committed change to a row of `table`; without `key`, to any of its rows. */
export interface Change {
  table: string;
  key?: string;
}

export interface ChangeSubscriber {
  changed(change: Change): void;
  /** Changes may have been missed (the feed was cut off): forget everything. */
  lost(): void;
}

export function parseChange(payload: string): Change {
  const colon = payload.indexOf(':');
  return colon === -1 ? { table: payload } : { table: payload.slice(0, colon), key: payload.slice(colon + 1) };
}

/**
 * Committed changes to the tables nodes cache, as PostgreSQL notifies them, plus this process's own (reported
 * by the pool the moment they commit). While it is not `live` — before it starts, or while its connection is
 * down — changes made elsewhere go unheard, so caches must not keep anything.
 */
export abstract class ChangeFeed {
  readonly #subscribers = new Set<ChangeSubscriber>();

  abstract readonly live: boolean;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  subscribe(subscriber: ChangeSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** Tables this process wrote, in transactions that committed. */
  reportLocalWrites(tables: Iterable<string>): void {
    for (const table of tables) this.emit({ table });
  }

  protected emit(change: Change): void {
    for (const subscriber of this.#subscribers) subscriber.changed(change);
  }

  protected emitLost(): void {
    for (const subscriber of this.#subscribers) subscriber.lost();
  }
}

/** PGlite delivers a session's own notifications as its statements commit, and it has no other sessions. */
export class EmbeddedChangeFeed extends ChangeFeed {
  readonly #db: PGlite;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(db: PGlite) {
    super();
    this.#db = db;
  }

  get live(): boolean {
    return this.#unlisten !== undefined;
  }

  async start(): Promise<void> {
    this.#unlisten ??= await this.#db.listen(changeChannel, (payload) => this.emit(parseChange(payload)));
  }

  async stop(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    await unlisten?.().catch(() => {});
  }
}

const retryDelays = [250, 500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * LISTENs on a connection of its own. When it is lost, subscribers are told to forget what they hold, and it
 * reconnects with growing delays; nothing is cached until it is back.
 */
export class PostgresChangeFeed extends ChangeFeed {
  readonly #connectionString: string;
  readonly #onError: (error: unknown) => void;
  #client: pg.Client | undefined;
  #live = false;
  #stopped = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(connectionString: string, onError: (error: unknown) => void = () => {}) {
    super();
    this.#connectionString = connectionString;
    this.#onError = onError;
  }

  get live(): boolean {
    return this.#live;
  }

  /** Connects and listens; when that fails it keeps trying in the background, and caches hold nothing meanwhile. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#connect().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === changeChannel && message.payload) this.emit(parseChange(message.payload));
    });
    client.on('error', (error) => this.#lose(client, error));
    client.on('end', () => this.#lose(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${changeChannel}`);
    } catch (error) {
      this.#lose(client, error);
      throw error;
    }
    if (this.#client !== client) return;
    this.#attempt = 0;
    // Anything cached before now may have changed unheard.
    this.emitLost();
    this.#live = true;
  }

  /** Called once per connection, however many ways it fails: forget, then try again later. */
  #lose(client: pg.Client, error?: unknown): void {
    if (this.#client !== client || this.#stopped) return;
    if (error) this.#onError(error);
    this.#client = undefined;
    this.#live = false;
    this.emitLost();
    client.end().catch(() => {});
    const delay = retryDelays[Math.min(this.#attempt++, retryDelays.length - 1)]!;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#stopped) this.#connect().catch(() => {});
    }, delay);
    this.#retry.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#live = false;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}

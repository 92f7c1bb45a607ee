import type { PGlite } from '@electric-sql/pglite';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The channel src/db/migrations/2026-11-27-0001-change-notifications.ts notifies on. */
export const changeChannel = 'sesame_changes';

/** How the feed's connection is named in pg_stat_activity, so an operator (or a test) can tell it from the pool's. */
export const changeFeedApplicationName = 'sesame-change-feed';

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

/** How often the feed proves its connection still delivers, and how long without proof makes it lost. */
export interface HeartbeatTimings {
  everyMs: number;
  lostAfterMs: number;
}

const defaultHeartbeat: HeartbeatTimings = { everyMs: 500, lostAfterMs: 2000 };

/**
 * LISTENs on a connection of its own. When it is lost, subscribers are told to forget what they hold, and it
 * reconnects with growing delays; nothing is cached until it is back.
 *
 * A connection can also die without a word (a network that drops packets, a PostgreSQL host that froze): no error,
 * no end, and TCP keepalive notices only after minutes, while the node's caches would keep answering from what they
 * hold. So the feed sends itself a notification on a channel of its own every `everyMs`, through the same
 * connection; when none has come back for `lostAfterMs`, the connection is treated as lost.
 */
export class PostgresChangeFeed extends ChangeFeed {
  readonly #connectionString: string;
  readonly #onError: (error: unknown) => void;
  #client: pg.Client | undefined;
  #live = false;
  #stopped = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;
  readonly #heartbeat: HeartbeatTimings;
  /** This feed's own channel for its heartbeat, so no other node hears it. */
  readonly #heartbeatChannel = `sesame_heartbeat_${randomBytes(8).toString('hex')}`;
  #beating: NodeJS.Timeout | undefined;
  #lastBeat = 0;

  constructor(connectionString: string, onError: (error: unknown) => void = () => {}, heartbeat = defaultHeartbeat) {
    super();
    this.#connectionString = connectionString;
    this.#onError = onError;
    this.#heartbeat = heartbeat;
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
    // A connection attempt into the same silence must not hang either.
    const giveUpMs = 5 * this.#heartbeat.lostAfterMs;
    const client = new pg.Client({
      connectionString: this.#connectionString, application_name: changeFeedApplicationName, keepAlive: true,
      connectionTimeoutMillis: giveUpMs, query_timeout: giveUpMs,
    });
    client.on('notification', (message) => {
      if (message.channel === changeChannel && message.payload) this.emit(parseChange(message.payload));
      else if (message.channel === this.#heartbeatChannel) this.#lastBeat = performance.now();
    });
    client.on('error', (error) => this.#lose(client, error));
    client.on('end', () => this.#lose(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${changeChannel}`);
      await client.query(`LISTEN ${this.#heartbeatChannel}`);
    } catch (error) {
      this.#lose(client, error);
      throw error;
    }
    if (this.#client !== client) return;
    this.#attempt = 0;
    // Anything cached before now may have changed unheard.
    this.emitLost();
    this.#live = true;
    this.#beat(client);
  }

  /** Sends the heartbeat while `client` is the feed's connection, and gives the connection up when none comes back. */
  #beat(client: pg.Client): void {
    this.#lastBeat = performance.now();
    clearInterval(this.#beating);
    this.#beating = setInterval(() => {
      if (this.#client !== client) return;
      if (performance.now() - this.#lastBeat > this.#heartbeat.lostAfterMs) {
        this.#lose(client, new Error(`the change feed's connection delivered nothing for ${this.#heartbeat.lostAfterMs} ms`));
        return;
      }
      client.query("SELECT pg_notify($1, '')", [this.#heartbeatChannel]).catch(() => {});
    }, this.#heartbeat.everyMs);
    this.#beating.unref();
  }

  /** Called once per connection, however many ways it fails: forget, then try again later. */
  #lose(client: pg.Client, error?: unknown): void {
    if (this.#client !== client || this.#stopped) return;
    if (error) this.#onError(error);
    this.#client = undefined;
    this.#live = false;
    clearInterval(this.#beating);
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
    clearInterval(this.#beating);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}

import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeChannel, PostgresChangeFeed, type Change } from '../src/db/change-feed.ts';
import { postgresServerUrl, testDatabaseKind } from './support/database.ts';

/**
 * The change feed's connection can die without a word — packets dropped, PostgreSQL's host frozen — and then no error
 * and no end ever come, while the node's caches (apps, users, tokens) would go on answering from what they hold. The
 * feed's heartbeat notices: it is told its changes may have been missed, stops being live, and connects again.
 */

/** A TCP relay to PostgreSQL that can go silent: it stops passing bytes either way and closes nothing. */
function freezableRelay(target: URL) {
  const pairs: net.Socket[][] = [];
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    pairs.push([client, upstream]);
    const relay = (from: net.Socket, to: net.Socket) => from.on('data', (chunk) => { if (!frozen) to.write(chunk); });
    relay(client, upstream);
    relay(upstream, client);
    for (const socket of [client, upstream]) socket.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    async listen(): Promise<number> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as net.AddressInfo).port;
    },
    freeze() { frozen = true; },
    thaw() { frozen = false; },
    async close() {
      for (const socket of pairs.flat()) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(testDatabaseKind !== 'postgres')('the change feed on PostgreSQL', () => {
  const relay = freezableRelay(new URL(postgresServerUrl));
  let feed: PostgresChangeFeed;
  const heard: Change[] = [];
  let losses = 0;

  beforeAll(async () => {
    const port = await relay.listen();
    const url = new URL(postgresServerUrl);
    url.host = `127.0.0.1:${port}`;
    feed = new PostgresChangeFeed(url.toString(), () => {}, { everyMs: 100, lostAfterMs: 1000 });
    feed.subscribe({ changed: (change) => heard.push(change), lost: () => { losses++; } });
    await feed.start();
  });
  afterAll(async () => {
    await feed?.stop();
    await relay.close();
  });

  const notify = async (payload: string) => {
    const client = new pg.Client({ connectionString: postgresServerUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_notify($1, $2)', [changeChannel, payload]);
    } finally {
      await client.end();
    }
  };

  it('gives up a connection that went silent, says changes may have been missed, and hears changes again once back', async () => {
    expect(feed.live).toBe(true);
    await notify('users:before');
    await until(() => heard.some((c) => c.key === 'before'), 'a change sent while connected');
    const lossesBefore = losses;

    relay.freeze();
    await until(() => !feed.live, 'the feed to stop being live');
    expect(losses).toBeGreaterThan(lossesBefore);
    // Attempts to connect again meet the same silence for a while, and must not hang for good.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(feed.live).toBe(false);

    relay.thaw();
    await until(() => feed.live, 'the feed to connect again');
    await notify('users:after');
    await until(() => heard.some((c) => c.key === 'after'), 'a change sent after reconnecting');
  });
});

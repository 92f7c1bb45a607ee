import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './support/cli.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';

/**
 * The first start of a new installation creates the embedded database (PostgreSQL's initdb inside PGlite). Done in
 * the server's own process it peaked at 667 MB and left the server holding 322 MB for as long as it ran, against
 * about 220 MB for every later start (src/db/embedded-database.ts). A real server process on an empty data folder,
 * its own memory read from /proc.
 */
describe('the embedded database, created on a first start', () => {
  const made: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((database) => database.drop()));
  });

  async function start(database: TestDatabase): Promise<ServerProcess & { port: number }> {
    const port = await freePort();
    const server = await startServerProcess({ HOST: '127.0.0.1', PORT: String(port), SESAME_LOG_LEVEL: 'warn', ...database.env });
    return Object.assign(server, { port });
  }

  async function emptyDataFolder(): Promise<TestDatabase> {
    const database = await createTestDatabase('pglite', { fresh: true });
    made.push(database);
    return database;
  }

  const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

  it('leaves the server with the memory of any later start', async () => {
    const database = await emptyDataFolder();
    const first = await start(database);
    const firstPeak = peakMb(first.pid);
    await first.stop();
    const later = await start(database);
    const laterPeak = peakMb(later.pid);
    const discovery = await fetch(`http://127.0.0.1:${later.port}/.well-known/openid-configuration`);
    await later.stop();

    expect(discovery.status).toBe(200);
    // initdb ran PostgreSQL with the server's 16 MB of shared buffers, and wrote them into the configuration.
    expect(readFileSync(path.join(database.dataDir, 'pgdata', 'postgresql.conf'), 'utf8')).toMatch(/^shared_buffers = 16MB\b/m);
    // Migrations run on the first start only; creating the database in the server took 440 MB more.
    expect(firstPeak, `first start peaked at ${firstPeak} MB, a later one at ${laterPeak} MB`).toBeLessThan(laterPeak + 100);
  });

  it('starts over a creation that was stopped half-way', async () => {
    const database = await emptyDataFolder();
    // What a first start killed while creating leaves: the unfinished folder beside the database's.
    const unfinished = path.join(database.dataDir, 'pgdata.creating-4242');
    mkdirSync(unfinished, { recursive: true });
    writeFileSync(path.join(unfinished, 'PG_VERSION'), '17\n');

    const server = await start(database);
    const discovery = await fetch(`http://127.0.0.1:${server.port}/.well-known/openid-configuration`);
    await server.stop();

    expect(discovery.status).toBe(200);
    expect(existsSync(unfinished)).toBe(false);
    expect(readdirSync(path.join(database.dataDir, 'pgdata'))).toContain('PG_VERSION');
  });
});

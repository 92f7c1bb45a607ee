import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { restartDelay } from '../src/workers.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';

/**
 * SESAME_WORKERS: `node src/main.ts start` as a primary process and its workers sharing one port, the way an
 * operator runs it. Each worker says who it is in its log lines, which is how the tests see who served a request.
 */

interface LogLine {
  level: number;
  msg: string;
  pid: number;
  worker?: number;
  primary?: boolean;
  workerPid?: number;
  [key: string]: unknown;
}

interface Server {
  child: ChildProcess;
  /** Standard output and error, as they came. */
  output(): string;
  stdout(): string;
  logs(): LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

function spawnSesame(args: string[], env: Record<string, string>): Server {
  const child = spawn(process.execPath, ['src/main.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  running.add(child);
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk; stdout += chunk; });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk; });
  // 'close', not 'exit': the workers write to the same pipes, and their last lines may still be in them.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const logs = () => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
  return { child, output: () => output, stdout: () => stdout, logs, exited };
}

/** Polls until `find` returns something (log lines arrive a moment after the response they describe). */
async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

describe('SESAME_WORKERS', () => {
  const postgres = { DATABASE_URL: 'postgres://db.example/sesame' };

  it('is 1 unless set; `auto` is one per core on PostgreSQL and 1 on the embedded database', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ ...postgres, SESAME_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ...postgres, SESAME_WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
    expect(loadConfig({ SESAME_WORKERS: 'auto' }).workers).toBe(1);
  });

  it('refuses what is not a worker count, and more than one worker on the embedded database', () => {
    for (const value of ['0', '-1', '1.5', 'all', '257']) {
      expect(() => loadConfig({ ...postgres, SESAME_WORKERS: value }), value).toThrow(ConfigError);
    }
    expect(() => loadConfig({ SESAME_WORKERS: '2' })).toThrow(/SESAME_WORKERS: 2 workers need DATABASE_URL/);
  });

  it('a worker that keeps dying is restarted later and later, up to 30 s; the first death at once', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelay)).toEqual([0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('start with SESAME_WORKERS=2 on the embedded database stops at once with a message saying why', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
    try {
      const server = spawnSesame(['start'], { SESAME_DATA_DIR: dataDir, SESAME_WORKERS: '2', PORT: '0' });
      expect(await server.exited).toEqual({ code: 78, signal: null });
      expect(server.output()).toContain('SESAME_WORKERS: 2 workers need DATABASE_URL; the embedded database belongs to one process');
      expect(server.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(testDatabaseKind === 'postgres')('two workers on PostgreSQL', () => {
  let database: TestDatabase;
  let server: Server;
  let port: number;
  let issuer: string;
  let app: { client_id: string; client_secret: string };

  /** A request on a connection of its own: the primary hands each new connection to the next worker. */
  function request(pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  const discovery = () => request('/.well-known/openid-configuration');
  const token = () => request('/oidc/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret }).toString(),
  });

  const workersStarted = () => server.logs().filter((line) => line.msg === 'sesame started');
  const servedBy = () => new Set(server.logs().filter((line) => line.msg === 'request').map((line) => line.pid));

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    server = spawnSesame(['start'], { ...database.env, SESAME_WORKERS: '2', PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'info' });
    const started = await Promise.race([
      waitFor('the start', () => /Sesame is running at (http:\/\/localhost:(\d+)) with/.exec(server.output()) ?? undefined, 60_000),
      server.exited.then(() => { throw new Error(`the server did not start:\n${server.output()}`); }),
    ]);
    issuer = started[1]!;
    port = Number(started[2]);

    const cli = spawnSesame(['apps', 'create', '--name', 'Machine', '--type', 'm2m', '--json'], database.env);
    expect((await cli.exited).code, cli.output()).toBe(0);
    app = JSON.parse(cli.stdout());
  });

  afterAll(async () => {
    if (server && running.has(server.child)) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await database?.drop();
  });

  it('serves discovery and client credentials from two worker processes; announces itself and the setup link once', async () => {
    expect(server.output()).toContain(`Sesame is running at ${issuer} with 2 workers`);
    expect(server.output().match(/Sesame is running at/g)).toHaveLength(1);
    expect(server.output().match(/one-time link/g)).toHaveLength(1);
    expect(server.logs().filter((line) => line.setupLinkPrinted)).toHaveLength(1);
    expect(server.logs().filter((line) => JSON.stringify(line).includes('setup?token='))).toEqual([]);

    const workers = workersStarted();
    expect(workers.map((line) => line.worker).sort()).toEqual([1, 2]);
    const workerPids = workers.map((line) => line.pid);
    expect(new Set([server.child.pid, ...workerPids]).size).toBe(3);
    for (const line of workers) expect(line).toMatchObject({ issuer, port });

    for (let i = 0; i < 4; i++) {
      const metadata = await discovery();
      expect(metadata.status).toBe(200);
      expect(JSON.parse(metadata.body).issuer).toBe(issuer);
      const issued = await token();
      expect(issued.status, issued.body).toBe(200);
      expect(JSON.parse(issued.body).access_token).toEqual(expect.any(String));
    }
    // Every request was logged by a worker, and both workers served some.
    const served = await waitFor('requests served by both workers', () => (servedBy().size === 2 ? servedBy() : undefined));
    expect([...served].sort()).toEqual([...workerPids].sort());
  });

  it('replaces a worker killed with SIGKILL, and keeps answering meanwhile', async () => {
    const [victim, survivor] = workersStarted().map((line) => line.pid);
    const before = server.logs().filter((line) => line.msg === 'request').length;
    process.kill(victim!, 'SIGKILL');
    await waitFor('the primary to notice', () => server.logs().find((line) => line.primary && line.workerPid === victim && line.signal === 'SIGKILL'));

    // While the replacement starts, the other worker takes every connection.
    const replaced = () => server.logs().find((line) => line.primary && line.msg === 'worker started');
    while (!replaced()) {
      const answer = await discovery();
      expect(answer.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const replacement = replaced()!.workerPid!;
    expect([victim, survivor]).not.toContain(replacement);
    expect(alive(victim!)).toBe(false);

    // The new worker takes its share as soon as it listens, and it listens only once ready: no 503 "starting".
    for (let i = 0; i < 4; i++) expect((await token()).status).toBe(200);
    await waitFor('a request served by the new worker', () => (servedBy().has(replacement) ? true : undefined));
    const since = server.logs().filter((line) => line.msg === 'request').slice(before);
    expect(since.filter((line) => line.status !== 200)).toEqual([]);
  });

  it('SIGTERM to the primary stops every worker gracefully, and the primary exits 0', async () => {
    const workerPids = server.logs().filter((line) => line.msg === 'sesame started').map((line) => line.pid).filter(alive);
    expect(workerPids).toHaveLength(2);
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
    for (const pid of workerPids) expect(alive(pid), `worker ${pid}`).toBe(false);
    const logs = server.logs();
    const stopping = logs.findIndex((line) => line.primary && line.msg === 'shutting down');
    expect(stopping).toBeGreaterThan(-1);
    // Each process writes its log asynchronously to the same pipe, so a worker's line may come out before the
    // primary's: only SIGTERM makes a worker say it is shutting down, so its lines are looked for everywhere.
    expect(logs.filter((line) => line.msg === 'shutting down' && workerPids.includes(line.pid))).toHaveLength(2);
    expect(logs.slice(stopping).filter((line) => line.level >= 50)).toEqual([]);
  });
});

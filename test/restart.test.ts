import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSocketPath } from '../src/cli/cli-socket.ts';
import { sesameCli } from './support/cli.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * The real server as `npm start` runs it, in its own process: what was committed survives a graceful stop
 * and a kill -9, and a second process never opens the embedded database twice.
 */
let database: TestDatabase;
let port: number;
let issuer: string;
const running = new Set<ChildProcess>();

const redirectUri = 'https://app.example.com/callback';
const password = 'correct horse battery staple';

interface Server {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function env(extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), SESAME_LOG_LEVEL: 'warn', ...database.env, ...extra };
}

function spawnServer(extra: Record<string, string> = {}): Server {
  const child = spawn(process.execPath, ['src/main.ts', 'start'], { env: env(extra) });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk; });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, output: () => output, exited };
}

async function startServer(extra: Record<string, string> = {}): Promise<Server> {
  const server = spawnServer(extra);
  const started = new Promise<void>((resolve) => {
    const check = () => (server.output().includes('Sesame is running at') ? resolve() : undefined);
    server.child.stdout!.on('data', check);
    check();
  });
  const outcome = await Promise.race([started.then(() => 'started'), server.exited.then(() => 'exited')]);
  if (outcome !== 'started') throw new Error(`the server did not start:\n${server.output()}`);
  return server;
}

async function stop(server: Server, signal: NodeJS.Signals) {
  server.child.kill(signal);
  return server.exited;
}

/**
 * The CLI runs in this process (test/support/cli.ts): against the server's process it is a process of its own, so it
 * reaches that server through its Unix socket on the embedded database, and takes a dead server's lock over.
 */
function cli(...args: string[]) {
  return sesameCli(env(), ...args);
}

async function cliJson<T>(...args: string[]): Promise<T> {
  const run = await cli(...args, '--json');
  if (run.code !== 0) throw new Error(`sesame ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

async function jwksKids(base = issuer): Promise<string[]> {
  const response = await fetch(`${base}/oidc/jwks`);
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
}

function authorizationUrl(clientId: string, base = issuer) {
  return `${base}/oidc/auth?${new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', state: 'xyz' })}`;
}

async function exchange(app: { client_id: string; client_secret: string }, code: string, base = issuer) {
  const response = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  database = await createTestDatabase(undefined, { fresh: true });
  port = await freePort();
  issuer = `http://localhost:${port}`;
});
afterAll(async () => {
  // Gone before their data folder is: a server still writing to it would fail rather than stop.
  await Promise.all([...running].map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  })));
  await database?.drop();
});

describe(`restarts on ${testDatabaseKind}`, () => {
  let app: { client_id: string; client_secret: string };
  let kids: string[];
  const agent = () => new UserAgent(issuer);
  let signedIn: UserAgent;

  /** Everything created before must still be there, and the browser's session still signs it in. */
  async function expectEverythingSurvived(users: string[]) {
    expect(await jwksKids()).toEqual(kids);
    // The session cookie from before skips the sign-in form: straight back to the app with a code.
    const callback = await signedIn.authorize(authorizationUrl(app.client_id));
    expect(callback.searchParams.get('code')).toBeTruthy();
    // The app and its secret survived: the code is exchanged with it.
    const tokens = await exchange(app, callback.searchParams.get('code')!);
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toEqual(expect.any(String));
    for (const username of users) {
      const fresh = await agent().authorize(authorizationUrl(app.client_id), { login: username, password });
      expect(fresh.searchParams.get('code'), username).toBeTruthy();
    }
  }

  it('survives SIGTERM (a graceful stop, exit 0) and kill -9', async () => {
    let server = await startServer();
    await cliJson('users', 'create', '--username', 'alice', '--password', password);
    app = await cliJson('apps', 'create', '--name', 'Web', '--type', 'traditional', '--redirect-uri', redirectUri);
    kids = await jwksKids();
    signedIn = agent();
    const first = await signedIn.authorize(authorizationUrl(app.client_id), { login: 'alice', password });
    expect(first.searchParams.get('code')).toBeTruthy();

    const graceful = await stop(server, 'SIGTERM');
    expect(graceful, server.output()).toEqual({ code: 0, signal: null });
    expect(server.output()).not.toMatch(/"level":(50|60)/);
    if (testDatabaseKind === 'pglite') {
      expect(existsSync(path.join(database.dataDir, 'sesame.lock'))).toBe(false);
      expect(existsSync(cliSocketPath(database.dataDir))).toBe(false);
    }

    server = await startServer();
    await expectEverythingSurvived(['alice']);
    // Written just before the kill: committed, so it must survive.
    await cliJson('users', 'create', '--username', 'bob', '--password', password);

    const killed = await stop(server, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    server = await startServer();
    await expectEverythingSurvived(['alice', 'bob']);
    const graceful2 = await stop(server, 'SIGTERM');
    expect(graceful2.code).toBe(0);
  });

  it('the CLI works after a kill -9 (the embedded database\'s stale lock is taken over)', async () => {
    const server = await startServer();
    await stop(server, 'SIGKILL');
    if (testDatabaseKind === 'pglite') expect(existsSync(path.join(database.dataDir, 'sesame.lock'))).toBe(true);
    const users = await cli('users', 'create', '--username', 'carol', '--password', password);
    expect(users.stderr).toBe('');
    expect(users.code).toBe(0);
  });

  it.runIf(testDatabaseKind === 'pglite')('a second server on the same data folder stops at once with a clear message; the first carries on', async () => {
    const began = Date.now();
    const first = await startServer();
    const firstStart = Date.now() - began;
    const lockOwner = readFileSync(path.join(database.dataDir, 'sesame.lock'), 'utf8');
    const second = spawnServer({ PORT: String(await freePort()) });
    const startedAt = Date.now();
    const outcome = await second.exited;
    // At once: sooner than a server takes to start (measured just now, so a loaded machine slows both alike).
    expect(Date.now() - startedAt).toBeLessThan(Math.max(15_000, 2 * firstStart));
    expect(outcome.code).not.toBe(0);
    expect(second.output()).toContain(`is in use by another Sesame process (pid ${first.child.pid})`);
    expect(second.output()).toContain('SESAME_DATA_DIR');
    expect(second.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);

    // The first server still owns the folder and still reads and writes.
    expect(readFileSync(path.join(database.dataDir, 'sesame.lock'), 'utf8')).toBe(lockOwner);
    expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
    await cliJson('users', 'create', '--username', 'dave', '--password', password);
    const callback = await agent().authorize(authorizationUrl(app.client_id), { login: 'dave', password });
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect((await stop(first, 'SIGTERM')).code).toBe(0);
  });

  it.runIf(testDatabaseKind === 'postgres')('two nodes on one PostgreSQL share users, keys and sessions', async () => {
    const first = await startServer();
    const otherPort = await freePort();
    const second = await startServer({ PORT: String(otherPort), SESAME_ISSUER: issuer });
    const other = `http://127.0.0.1:${otherPort}`;
    expect(await jwksKids(other)).toEqual(await jwksKids());
    // A sign-in started on one node is finished on the other.
    const browser = agent();
    await browser.authorize(authorizationUrl(app.client_id), { login: 'alice', password });
    const viaOther = new UserAgent(other);
    for (const cookie of await browser.jar.getCookies(issuer)) await viaOther.jar.setCookie(cookie.cookieString(), other);
    const callback = await viaOther.authorize(authorizationUrl(app.client_id, other));
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect((await exchange(app, callback.searchParams.get('code')!, other)).status).toBe(200);
    await Promise.all([stop(first, 'SIGTERM'), stop(second, 'SIGTERM')]);
  });
});

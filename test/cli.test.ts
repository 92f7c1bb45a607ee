import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSocketPath, sendToServer, type CliResponse } from '../src/cli/cli-socket.ts';
import { loadConfig } from '../src/config/config.ts';
import { verifyPassword } from '../src/users/password.ts';
import { findUserByLogin } from '../src/users/user.repository.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame, type Sesame } from '../src/server.ts';
import { cliWith, expectCleanFailure, sesameCli as sesameCliWith, spawnSesame, spawnSesameWithInput } from './support/cli.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';

/**
 * `npm run sesame -- …` as an operator runs it, with the server stopped (the CLI opens the database itself) and with
 * it running (on the embedded database, through the server's Unix socket). The commands run in this process through
 * the binary's own entry function (test/support/cli.ts); a few run the real binary, for what only a process shows.
 */
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(undefined, { fresh: true });
});
afterAll(async () => database?.drop());

const cliEnv = () => ({ SESAME_KEY_REFRESH_SECONDS: '1', ...database.env });
const { run: sesameCli, json } = cliWith(cliEnv);

const password = 'a long passphrase';

/** One line to the CLI socket, as any local process could send it. */
function sendRaw(socket: string, line: string): Promise<CliResponse & { error?: string }> {
  return new Promise((resolve, reject) => {
    const connection = net.createConnection(socket);
    let buffer = '';
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.write(`${line}\n`));
    connection.on('data', (chunk: string) => { buffer += chunk; });
    connection.on('end', () => resolve(JSON.parse(buffer)));
    connection.on('error', reject);
  });
}

describe('with the server stopped', () => {
  it('migrate applies the migrations of a fresh database and says so, then finds nothing to do', async () => {
    const first = await json<{ applied: string[] }>('migrate');
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.applied).toContain('2026-11-23-0001-initial');
    const again = await sesameCli('migrate');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('database is up to date');
  });

  it('users create, apps create and keys list work on the database directly', async () => {
    const user = await json('users', 'create', '--username', 'direct', '--password', password, '--email', 'direct@example.com', '--name', 'Direct User', '--admin');
    expect(user).toMatchObject({ username: 'direct', email: 'direct@example.com', name: 'Direct User', is_admin: true });
    expect(user).not.toHaveProperty('password_hash');

    const app = await sesameCli('apps', 'create', '--name', 'Direct web', '--type', 'traditional', '--redirect-uri', 'https://direct.example.com/cb');
    expect(app.code).toBe(0);
    expect(app.stdout).toMatch(/^client_id: \S+$/m);
    expect(app.stdout).toMatch(/^client_secret: \S{40,}$/m);

    const keys = await json<{ kid: string; use: string; alg: string; status: string }[]>('keys', 'list');
    expect(keys.filter((k) => k.status === 'active').map((k) => `${k.use}/${k.alg}`).sort()).toEqual(['cookie/HS256', 'sig/ES256', 'sig/RS256']);
  });

  it('bad input gives a clear message and a non-zero exit', async () => {
    expectCleanFailure(await sesameCli('users', 'create', '--username', 'nopass'), /--password is required/);
  });
});

describe('with the server running', () => {
  let sesame: Sesame;

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'silent', SESAME_KEY_REFRESH_SECONDS: '1', ...database.env });
    sesame = await startSesame(config, createLogger('silent'));
  });
  afterAll(async () => sesame?.close());

  it.runIf(testDatabaseKind === 'pglite')('talks to the server over the Unix socket in the data folder, which refuses garbage', async () => {
    const socket = cliSocketPath(database.dataDir);
    expect(existsSync(socket)).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    for (const line of ['not json', '42', 'null', '{"command":"__proto__"}', '{"command":"constructor"}', '{"command":["keys list"]}']) {
      const response = await sendRaw(socket, line);
      expect(response.ok, line).toBe(false);
      expect(response.error).toMatch(/unknown command|not a JSON object/);
    }
    expect(await sendToServer(database.dataDir, { command: 'users create', options: { username: 'x' } })).toEqual({ ok: false, error: '--password is required (or --password-stdin, which reads it from standard input).' });
    expect((await fetch(`${sesame.issuer}/readyz`)).status).toBe(200);
  });

  it('users create prints the new user; the user exists and can be found by login', async () => {
    const run = await sesameCli('users', 'create', '--username', 'alice', '--password', password, '--email', 'alice@example.com', '--name', 'Alice');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^created user alice \(id u_\S+\)$/m);
    expect(await findUserByLogin(sesame.db, 'ALICE@example.com')).toMatchObject({ username: 'alice', name: 'Alice', is_admin: false });
  });

  it('apps create prints the client id of every type, and the secret only for traditional and m2m apps', async () => {
    const cases = [
      { type: 'traditional', args: ['--redirect-uri', 'https://web.example.com/cb'], secret: true },
      { type: 'spa', args: ['--redirect-uri', 'http://localhost:5173/cb'], secret: false },
      { type: 'native', args: ['--redirect-uri', 'com.example.app:/cb', '--redirect-uri', 'http://127.0.0.1/cb'], secret: false },
      { type: 'm2m', args: [], secret: true },
    ];
    // In parallel: the server answers several CLI connections at once.
    await Promise.all(cases.map(async ({ type, args, secret }) => {
      const text = await sesameCli('apps', 'create', '--name', `App ${type}`, '--type', type, ...args);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`created ${type} app App ${type}`);
      expect(text.stdout).toMatch(/^client_id: \S+$/m);
      expect(/^client_secret:/m.test(text.stdout), type).toBe(secret);

      const app = await json<{ client_id: string; client_secret?: string; type: string; redirect_uris: string[] }>('apps', 'create', '--name', `JSON ${type}`, '--type', type, ...args);
      expect(app.type).toBe(type);
      expect(app.client_id).toEqual(expect.any(String));
      expect(app.redirect_uris).toEqual(args.filter((_, i) => i % 2 === 1));
      if (secret) expect(app.client_secret).toEqual(expect.any(String));
      else expect(app).not.toHaveProperty('client_secret');
      if (type === 'm2m') {
        // The printed secret is the real one: the app gets a token with it.
        const token = await fetch(`${sesame.issuer}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret! }),
        });
        expect(token.status).toBe(200);
      }
    }));
  });

  it('keys rotate publishes the new keys in JWKS', async () => {
    const before = await json<{ kid: string; status: string }[]>('keys', 'list');
    const fresh = await json<{ kid: string; alg: string; status: string }[]>('keys', 'rotate');
    expect(fresh.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(fresh.every((k) => k.status === 'active')).toBe(true);
    // Through the socket the server reloads at once; with PostgreSQL it notices within SESAME_KEY_REFRESH_SECONDS
    // (given a generous while: a loaded machine runs its timer late).
    const deadline = Date.now() + 30_000;
    let kids: string[] = [];
    while (Date.now() < deadline) {
      kids = ((await (await fetch(`${sesame.issuer}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      if (fresh.every((k) => kids.includes(k.kid))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const key of fresh) expect(kids).toContain(key.kid);
    for (const key of before.filter((k) => k.status === 'active' && !k.kid.startsWith('cookie'))) expect(kids).toContain(key.kid);

    const text = await sesameCli('keys', 'rotate', '--cookie');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^new active HS256 key cookie-\S+$/m);
    const listed = await sesameCli('keys', 'list');
    expect(listed.stdout.split('\n')[0]).toMatch(/^kid\tuse\talg\tstatus/);
    expect(listed.stdout).toContain('retired');
  });

  it('takes a password from standard input, out of the process list and the shell history', async () => {
    const typed = 'a passphrase from a pipe';
    const [created, both, empty] = await Promise.all([
      spawnSesameWithInput(cliEnv(), `${typed}\nignored second line\n`, 'users', 'create', '--username', 'piped', '--password-stdin', '--json'),
      spawnSesameWithInput(cliEnv(), `${typed}\n`, 'users', 'create', '--username', 'twice', '--password', typed, '--password-stdin'),
      spawnSesameWithInput(cliEnv(), '', 'users', 'create', '--username', 'empty', '--password-stdin'),
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const user = (await findUserByLogin(sesame.db, 'piped'))!;
    expect(await verifyPassword(user.password_hash, typed)).toBe(true);
    expectCleanFailure(both, /give --password or --password-stdin, not both/);
    expect(both.code).toBe(2);
    expectCleanFailure(empty, /--password-stdin: standard input held no password/);
    expect(empty.code).toBe(2);
    expect(await findUserByLogin(sesame.db, 'twice')).toBeUndefined();

    const changed = await spawnSesameWithInput(cliEnv(), 'a new passphrase, piped\r\n', 'users', 'set-password', '--id', user.id, '--password-stdin');
    expect(changed.stderr).toBe('');
    expect(changed.code).toBe(0);
    expect(await verifyPassword((await findUserByLogin(sesame.db, 'piped'))!.password_hash, 'a new passphrase, piped')).toBe(true);
  });

  it('the real binary reaches the server (through its socket on the embedded database) and exits 0, 1 or 2', async () => {
    const [created, refused, unknown] = await Promise.all([
      spawnSesame(cliEnv(), 'users', 'create', '--username', 'spawned', '--password', password, '--json'),
      spawnSesame(cliEnv(), 'users', 'create', '--username', 'nopass'),
      spawnSesame(cliEnv(), 'frobnicate'),
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'spawned' });
    expect(await findUserByLogin(sesame.db, 'spawned')).toMatchObject({ username: 'spawned' });
    expectCleanFailure(refused, /--password is required/);
    expect(refused.code).toBe(1);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
  });

  it('migrate reports that the database is up to date', async () => {
    expect(await json('migrate')).toEqual({ applied: [] });
  });

  it('bad input gives a clear message and a non-zero exit, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['users', 'create', '--username', 'bob'], /--password is required/],
      [['users', 'create', '--username', 'bob', '--password', 'short'], /at least 8 characters/],
      [['users', 'create', '--username', 'alice', '--password', password], /already exists/],
      [['users', 'create', '--username', 'bob', '--password', password, '--email', 'not-an-email'], /email/],
      [['apps', 'create', '--name', 'X', '--type', 'desktop'], /--type must be traditional, spa, native or m2m/],
      [['apps', 'create', '--type', 'spa'], /--name is required/],
      [['apps', 'create', '--name', 'X', '--type', 'spa', '--redirect-uri', 'javascript:alert(1)'], /forbidden scheme/],
      [['apps', 'create', '--name', 'X', '--type', 'm2m', '--redirect-uri', 'https://x.example/cb'], /no redirect URIs/],
    ];
    const runs = await Promise.all(cases.map(([args]) => sesameCli(...args)));
    runs.forEach((run, i) => expectCleanFailure(run, cases[i]![1]));
    const unknownOption = await sesameCli('users', 'create', '--username', 'x', '--colour', 'blue');
    expectCleanFailure(unknownOption, /--colour/);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain('usage: npm run sesame -- users create');
    expectCleanFailure(await sesameCli('users', 'create', 'positional'), /positional/);
  });

  it('an unknown command prints the usage and exits 2; no command prints the usage', async () => {
    const unknown = await sesameCli('frobnicate', '--now');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
    expect(unknown.stderr).toContain('Usage: npm run sesame -- <command>');
    for (const command of ['users create', 'apps create', 'keys list', 'keys rotate', 'migrate', 'start']) {
      expect(unknown.stderr).toContain(`  ${command}`);
    }
    // Names every object has are not commands.
    for (const name of ['constructor', 'toString', '__proto__']) {
      const inherited = await sesameCli(name);
      expect(inherited.code, name).toBe(2);
      expect(inherited.stderr).toContain(`unknown command: ${name}`);
    }
    const none = await sesameCli();
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('Usage: npm run sesame -- <command>');
  });

  it('answers --help, -h and help with the usage on standard output, even where the configuration is wrong', async () => {
    // Help is what someone asks for while the configuration is still being written.
    const unfinished = { DATABASE_URL: 'mysql://somewhere' };
    for (const args of [['--help'], ['-h'], ['help']]) {
      const run = await sesameCliWith(unfinished, ...args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toContain('Usage: npm run sesame -- <command>');
      expect(run.stdout).toContain('  users create');
      expect(run.stderr).toBe('');
    }
    for (const args of [['users', 'create', '--help'], ['help', 'users', 'create'], ['users', 'create', '--username', 'x', '-h']]) {
      const run = await sesameCliWith(unfinished, ...args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toBe('Usage: npm run sesame -- users create --username U (--password P | --password-stdin) [--email E] [--name N] [--admin]\n\nCreate a user\n');
    }
    const start = await spawnSesame(unfinished, 'start', '--help');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('Usage: npm run sesame -- start');
    const unknown = await sesameCliWith(unfinished, 'help', 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: help frobnicate');
  });

  it('takes -h as the value of a flag, as any value starting with a dash', async () => {
    const run = await sesameCli('users', 'create', '--username', '-h');
    expectCleanFailure(run, /--password/);
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliSocketPath } from '../src/cli/cli-socket.ts';
import { spawnSesame, startServerProcess } from './support/cli.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';
import { freePort } from './support/free-port.ts';

/**
 * The data folder holds the master secret and the embedded database, whose files PGlite writes with mode 666. Other
 * users of the machine must reach none of it: not read the password hashes and sessions, not rewrite a table.
 */
describe.runIf(testDatabaseKind === 'pglite')('the data folder', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    // Last made, first undone: a server stops before its folder goes.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A folder any user may pass through, as a project checkout or a home folder usually is. */
  function openParent(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sesame-folder-'));
    chmodSync(root, 0o755);
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    return root;
  }

  async function start(dataDir: string) {
    const server = await startServerProcess({ HOST: '127.0.0.1', PORT: String(await freePort()), SESAME_LOG_LEVEL: 'warn', SESAME_DATA_DIR: dataDir });
    cleanups.push(() => server.stop());
    return server;
  }

  /** A data folder as Sesame made it before: 755 folders (the default umask) around the database's 666 files. */
  async function madeByEarlierVersion(): Promise<TestDatabase> {
    const database = await createTestDatabase('pglite');
    cleanups.push(() => database.drop());
    chmodSync(database.dataDir, 0o755);
    chmodSync(path.join(database.dataDir, 'pgdata'), 0o755);
    return database;
  }

  const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

  // Another user, for real: only root can become one.
  const canBecomeAnotherUser = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
  /** Runs `command` as the user nobody; its exit code. Asynchronous: the test may be serving what it reaches. */
  const asNobody = (...command: string[]) => new Promise<number | null>((resolve) => {
    spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...command], { stdio: 'ignore' }).once('exit', resolve);
  });
  const madePrivate = "the embedded database's folder was open to other users of this machine; it is now private to this user";

  it('is made for its owner alone on a first start, and so is the database in it', async () => {
    const dataDir = path.join(openParent(), 'data');
    await start(dataDir);

    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(path.join(dataDir, 'pgdata'))).toBe('700');
    expect(modeOf(path.join(dataDir, 'secret'))).toBe('600');
  });

  it('has its database made private when an earlier version left it open, and the server says so', async () => {
    const database = await madeByEarlierVersion();

    const server = await start(database.dataDir);

    expect(modeOf(path.join(database.dataDir, 'pgdata'))).toBe('700');
    expect(server.output()).toContain(madePrivate);
    // The folder itself may be one the admin chose and shares; what must be private in it is.
    expect(modeOf(database.dataDir)).toBe('755');
  });

  it('has its database made private by the CLI too, which says so on standard error and keeps its --json answer whole', async () => {
    const database = await madeByEarlierVersion();

    const run = await spawnSesame(database.env, 'keys', 'list', '--json');

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ use: 'sig' })]));
    expect(run.stderr).toContain(madePrivate);
    expect(modeOf(path.join(database.dataDir, 'pgdata'))).toBe('700');
  });

  it.runIf(canBecomeAnotherUser)(
    'keeps another user of the machine from reading the secret or touching the database, once an earlier version\'s is started',
    async () => {
      const database = await madeByEarlierVersion();
      const root = openParent();
      // Reachable by anyone up to the data folder, as a checkout in a home folder is.
      const dataDir = path.join(root, 'data');
      renameSync(database.dataDir, dataDir);
      await start(dataDir);
      const shell = (script: string) => asNobody('sh', '-c', script);

      // The check of the check: that user does read what is open to it, and sees the data folder.
      expect(await shell('cat /etc/passwd')).toBe(0);
      expect(await shell(`ls '${dataDir}'`)).toBe(0);
      expect(await shell(`cat '${dataDir}/secret'`)).not.toBe(0);
      expect(await shell(`ls '${dataDir}/pgdata'`)).not.toBe(0);
      expect(await shell(`cat '${dataDir}/pgdata/PG_VERSION'`)).not.toBe(0);
      expect(await shell(`printf x >> '${dataDir}/pgdata/PG_VERSION'`)).not.toBe(0);
    },
  );

  /**
   * The CLI's socket hands whoever connects the running server's commands (create an admin, read the users). Under
   * a umask of 000, in a data folder others may pass through (one the admin made), it must never be theirs to
   * connect to, not even in the instant between its creation and its chmod: strace holds that chmod back for half
   * a minute, and another user tries the socket meanwhile.
   */
  // strace may be installed where tracing is not allowed (a container without CAP_SYS_PTRACE): it must trace a command.
  it.runIf(canBecomeAnotherUser && spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', 'true']).status === 0)(
    'keeps another user of the machine off the CLI\'s socket from the moment it exists, whatever the umask',
    async () => {
      const root = openParent();
      const dataDir = path.join(root, 'data');
      mkdirSync(dataDir, { mode: 0o755 });
      const socket = cliSocketPath(dataDir);
      const held = 'chmod,fchmodat';
      const server = spawn('sh', ['-c', `umask 000 && exec strace -f -qq -o /dev/null -P "$SOCKET" -e trace=${held} -e inject=${held}:delay_enter=30000000 "$NODE" src/main.ts start`], {
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), SESAME_LOG_LEVEL: 'warn', SESAME_DATA_DIR: dataDir, SOCKET: socket, NODE: process.execPath },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let errors = '';
      server.stderr!.on('data', (chunk: Buffer) => { errors = (errors + chunk).slice(-2000); });
      const exited = new Promise((resolve) => server.once('exit', resolve));
      cleanups.push(async () => {
        // The server waits in its held chmod: stopped at once, with strace.
        spawnSync('pkill', ['-KILL', '-P', String(server.pid)]);
        server.kill('SIGKILL');
        await exited;
      });
      while (!existsSync(socket)) {
        if (server.exitCode !== null) throw new Error(`the server stopped before it made its socket:\n${errors}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Whether that user connects to a socket (then it may send any command), with Perl (Debian's perl-base is
      // always there): 0 when connected, 3 when refused.
      const connect = (file: string) => asNobody('perl', '-MIO::Socket::UNIX', '-e', 'exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 3)', file);
      // The check of the check: that user does reach a socket open to it, in the data folder.
      const open = path.join(dataDir, 'open.sock');
      const listener = net.createServer((connection) => connection.end());
      await new Promise<void>((resolve) => listener.listen(open, resolve));
      cleanups.push(() => new Promise((resolve) => listener.close(resolve)));
      chmodSync(open, 0o777);
      expect(await connect(open)).toBe(0);

      expect(await connect(socket)).toBe(3);
      expect(modeOf(path.dirname(socket))).toBe('700');
    },
  );

  it('takes the socket\'s folder back to its owner alone when it was left open', async () => {
    const dataDir = path.join(openParent(), 'data');
    const folder = path.dirname(cliSocketPath(dataDir));
    mkdirSync(folder, { recursive: true, mode: 0o755 });
    chmodSync(folder, 0o755);
    await start(dataDir);

    expect(modeOf(folder)).toBe('700');
    expect(modeOf(cliSocketPath(dataDir))).toBe('600');
  });

  it('does not start with a socket folder that is a link elsewhere, and says which folder to move', async () => {
    const dataDir = path.join(openParent(), 'data');
    const socket = cliSocketPath(dataDir);
    const elsewhere = path.join(path.dirname(dataDir), 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o755 });
    mkdirSync(dataDir);
    symlinkSync(elsewhere, path.dirname(socket));
    const started = await spawnSesame({ HOST: '127.0.0.1', PORT: String(await freePort()), SESAME_LOG_LEVEL: 'warn', SESAME_DATA_DIR: dataDir }, 'start');

    expect(started.code).toBe(78);
    expect(started.stderr).toContain(`SESAME_DATA_DIR: ${path.dirname(socket)} is not a folder of the user running Sesame`);
    expect(started.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(elsewhere, path.basename(socket)))).toBe(false);
  });
});

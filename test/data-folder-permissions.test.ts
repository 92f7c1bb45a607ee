import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSesame, startServerProcess } from './support/cli.ts';
import { createTestDatabase, testDatabaseKind } from './support/database.ts';
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

  const modeOf = (file: string) => statSync(file).mode & 0o777;

  it('is made for its owner alone on a first start', async () => {
    const dataDir = path.join(openParent(), 'data');
    await start(dataDir);

    expect(modeOf(dataDir).toString(8)).toBe('700');
    expect(modeOf(path.join(dataDir, 'pgdata')).toString(8)).toBe('700');
  });

  it('is made private when an earlier version left it open, and the server says so', async () => {
    const database = await createTestDatabase('pglite');
    cleanups.push(() => database.drop());
    const pgdata = path.join(database.dataDir, 'pgdata');
    // As Sesame made it before: 755 folders (the default umask), the database files 666.
    chmodSync(database.dataDir, 0o755);
    chmodSync(pgdata, 0o755);

    const server = await start(database.dataDir);

    expect(modeOf(database.dataDir).toString(8)).toBe('700');
    expect(modeOf(pgdata).toString(8)).toBe('700');
    expect(server.output()).toContain('the data folder was open to other users of this machine; it is now private to this user');
  });

  it('is made private by the CLI too, which says so on standard error and keeps its --json answer whole', async () => {
    const database = await createTestDatabase('pglite');
    cleanups.push(() => database.drop());
    chmodSync(database.dataDir, 0o755);

    const run = await spawnSesame(database.env, 'keys', 'list', '--json');

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ use: 'sig' })]));
    expect(run.stderr).toContain('the data folder was open to other users of this machine');
    expect(modeOf(database.dataDir).toString(8)).toBe('700');
  });

  // Another user, for real: only root can become one.
  it.runIf(process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0)(
    'keeps another user of the machine from reading the secret or writing to the database',
    async () => {
      const dataDir = path.join(openParent(), 'data');
      await start(dataDir);
      const asNobody = (script: string) =>
        spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', script], { encoding: 'utf8' });

      // The check of the check: that user can reach a file that is open to it.
      expect(asNobody(`cat /etc/passwd`).status).toBe(0);
      expect(asNobody(`cat '${dataDir}/secret'`).status).not.toBe(0);
      expect(asNobody(`ls '${dataDir}/pgdata'`).status).not.toBe(0);
      expect(asNobody(`printf x >> '${dataDir}/pgdata/PG_VERSION'`).status).not.toBe(0);
    },
  );
});

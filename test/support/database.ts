import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedDatabaseDir } from '../../src/db/database.ts';
import { privateFolderMode } from '../../src/db/private-folder.ts';

/**
 * Tests run on the embedded database by default and on the PostgreSQL server at 127.0.0.1:5432 when
 * SESAME_TEST_DATABASE=postgres. Each caller gets a database of its own, removed afterwards.
 */
export const testDatabaseKind = process.env.SESAME_TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';
export const postgresServerUrl = process.env.SESAME_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  env: Record<string, string>;
  dataDir: string;
  drop(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresServerUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Where the run's migrated template database or data folder is (test/support/global-setup.ts); unset outside a vitest run. */
const templateVariable = { pglite: 'SESAME_TEST_PGLITE_TEMPLATE', postgres: 'SESAME_TEST_POSTGRES_TEMPLATE' } as const;

export interface TestDatabaseOptions {
  /** A database that is empty until Sesame first starts on it, instead of a copy of the run's migrated template. */
  fresh?: boolean;
}

function databaseUrl(name: string): string {
  const url = new URL(postgresServerUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createPostgresDatabase(options: TestDatabaseOptions = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sesame_test_${randomBytes(6).toString('hex')}`;
  const template = options.fresh ? undefined : process.env[templateVariable.postgres];
  await adminQuery(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  return { url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Once per run (test/support/global-setup.ts): a database initialised and migrated, which test databases copy.
 * Creating PGlite's cluster (its initdb, compiled to WebAssembly) takes seconds of CPU, and the migrations a little
 * more; every test server used to spend them again. Each test still gets a cluster or database of its own, and every
 * start still runs the migrations (finding nothing left to apply). Returns what removes it.
 */
export async function createTemplate(migrate: (env: Record<string, string>) => Promise<void>): Promise<() => Promise<void>> {
  if (testDatabaseKind === 'pglite') {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-template-'));
    await migrate({ SESAME_DATA_DIR: dataDir });
    process.env[templateVariable.pglite] = embeddedDatabaseDir(dataDir);
    return async () => rmSync(dataDir, { recursive: true, force: true });
  }
  const name = `sesame_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  await migrate({ DATABASE_URL: databaseUrl(name), SESAME_DATA_DIR: os.tmpdir() });
  process.env[templateVariable.postgres] = name;
  return () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

function lockHolder(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, 'sesame.lock'), 'utf8'), 10);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Removes a data folder once nothing holds its embedded database: a server or CLI command still open on it (a test
 * that timed out while one was starting, say) would otherwise crash the whole file with an unhandled PGlite
 * ErrnoError when its files vanish. If it is still held after a while, the folder is left for the OS to clean.
 */
async function removeDataDir(dataDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (lockHolder(dataDir) !== undefined) {
    if (Date.now() > deadline) {
      console.warn(`test data folder ${dataDir} is still in use (pid ${lockHolder(dataDir)}); left in place`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(dataDir, { recursive: true, force: true });
}

export async function createTestDatabase(kind = testDatabaseKind, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  const removeDir = () => removeDataDir(dataDir);
  if (kind === 'pglite') {
    const template = process.env[templateVariable.pglite];
    if (template && !options.fresh) {
      const pgdata = embeddedDatabaseDir(dataDir);
      cpSync(template, pgdata, { recursive: true });
      // As Sesame makes it (src/db/private-folder.ts); the copy's folders take the umask's mode.
      chmodSync(pgdata, privateFolderMode);
    }
    return { env: { SESAME_DATA_DIR: dataDir }, dataDir, drop: async () => removeDir() };
  }
  const database = await createPostgresDatabase(options);
  return {
    env: { SESAME_DATA_DIR: dataDir, DATABASE_URL: database.url, SESAME_SECRET: randomBytes(32).toString('base64url') },
    dataDir,
    async drop() {
      await removeDir();
      await database.drop();
    },
  };
}

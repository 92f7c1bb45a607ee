import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

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

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sesame_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(postgresServerUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
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

export async function createTestDatabase(kind = testDatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  const removeDir = () => removeDataDir(dataDir);
  if (kind === 'pglite') return { env: { SESAME_DATA_DIR: dataDir }, dataDir, drop: async () => removeDir() };
  const database = await createPostgresDatabase();
  return {
    env: { SESAME_DATA_DIR: dataDir, DATABASE_URL: database.url, SESAME_SECRET: randomBytes(32).toString('base64url') },
    dataDir,
    async drop() {
      await removeDir();
      await database.drop();
    },
  };
}

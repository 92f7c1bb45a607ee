import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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

export async function createTestDatabase(kind = testDatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') return { env: { SESAME_DATA_DIR: dataDir }, dataDir, drop: async () => removeDir() };
  const database = await createPostgresDatabase();
  return {
    env: { SESAME_DATA_DIR: dataDir, DATABASE_URL: database.url, SESAME_SECRET: randomBytes(32).toString('base64url') },
    dataDir,
    async drop() {
      removeDir();
      await database.drop();
    },
  };
}

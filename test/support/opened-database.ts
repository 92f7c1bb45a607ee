import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface OpenedTestDatabase {
  /** Sesame's handle on it, as a server opens it; set before the file's tests run. */
  readonly db: Db;
  readonly database: TestDatabase;
}

/**
 * A database of its own for the tests of one file (of the kind the suite runs on), opened as Sesame opens it and
 * migrated before they run (a copy of the run's migrated template already is: then nothing is applied), closed and
 * dropped after.
 */
export function openedTestDatabase(): OpenedTestDatabase {
  const opened: { db?: Db; database?: TestDatabase } = {};
  beforeAll(async () => {
    opened.database = await createTestDatabase();
    ({ db: opened.db } = await openDatabase(loadConfig(opened.database.env)));
    await migrateToLatest(opened.db);
  });
  afterAll(async () => {
    await opened.db?.destroy();
    await opened.database?.drop();
  });
  return opened as OpenedTestDatabase;
}

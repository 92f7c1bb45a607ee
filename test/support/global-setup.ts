import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTemplate } from './database.ts';

/** Once per vitest run: the migrated template that test databases are copied from (see `createTemplate`). */
export async function setup(): Promise<() => Promise<void>> {
  return createTemplate(async (env) => {
    const { db } = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.SESAME_DATA_DIR! });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
  });
}

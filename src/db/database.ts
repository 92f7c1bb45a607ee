import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.ts';
import { EmbeddedChangeFeed, PostgresChangeFeed, type ChangeFeed } from './change-feed.ts';
import { reportCommittedWrites } from './committed-writes.ts';
import { openEmbeddedDatabase } from './embedded-database.ts';
import { PGlitePool } from './pglite-pool.ts';
import type { Database } from './tables.ts';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  db: Db;
  /** Committed changes to cached tables; it listens only once started. */
  changes: ChangeFeed;
  /** The PostgreSQL server's connection pool (none on the embedded database), for libraries that take one. */
  pool?: pg.Pool;
}

/** Where the embedded database's own files are: PostgreSQL's data directory, in the data folder. */
export function embeddedDatabaseDir(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

/** Opens the database the configuration names: a PostgreSQL server, or PGlite in the data folder. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'preparedStatements'>>,
  onChangeFeedError?: (error: unknown) => void,
): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    // An idle client that loses its server must not crash the process.
    pool.on('error', () => {});
    const changes = new PostgresChangeFeed(config.databaseUrl, onChangeFeedError);
    const reporting = reportCommittedWrites(pool, (tables) => changes.reportLocalWrites(tables), { prepare: config.preparedStatements ?? true });
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: reporting }) }), changes, pool };
  }
  const embedded = await openEmbeddedDatabase(embeddedDatabaseDir(config.dataDir));
  // Loaded only here: a node on PostgreSQL never needs it.
  const { PGliteStatements } = await import('./pglite-statements.ts');
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(new PGliteStatements(embedded)) }) }),
    changes: new EmbeddedChangeFeed(embedded),
  };
}

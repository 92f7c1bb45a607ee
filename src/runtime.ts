import type { Config } from './config/config.ts';
import { embeddedDatabaseDir, openDatabase, type Db } from './db/database.ts';
import { lockDataDir, type DataDirLock } from './db/data-dir-lock.ts';
import { migrateToLatest } from './db/migrate.ts';
import { makeFolderPrivate } from './db/private-folder.ts';
import { assertSecretOpensKeys, ensureKeys } from './keys/key-store.ts';
import type { Logger } from './logger.ts';
import { resolveMasterSecret } from './secrets/master-secret.ts';
import { createSealer } from './secrets/sealed.ts';

export class DataDirBusyError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`The embedded database in ${dataDir} is in use by another Sesame process (pid ${pid}). Stop it first, or give this one another SESAME_DATA_DIR.`);
    this.name = 'DataDirBusyError';
  }
}

/** What the server and the CLI both need: the database, migrated, and the sealer for keys. */
export async function openRuntime(config: Config, logger: Logger) {
  let lock: DataDirLock | undefined;
  if (!config.databaseUrl) {
    const result = lockDataDir(config.dataDir);
    if (!result.acquired) throw new DataDirBusyError(config.dataDir, result.ownerPid);
    lock = result.lock;
  }
  let db: Db | undefined;
  try {
    if (!config.databaseUrl) warnUnlessPrivate(embeddedDatabaseDir(config.dataDir), logger);
    const masterSecret = resolveMasterSecret(config);
    const sealer = createSealer(masterSecret);
    const opened = await openDatabase(config, (error) => logger.warn({ err: error }, 'change feed connection lost; caches bypassed until it is back'));
    db = opened.db;
    const { applied, warnings } = await migrateToLatest(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
    for (const warning of warnings) logger.warn({ migration: warning.migration, ...warning.details }, warning.message);
    await assertSecretOpensKeys(db, sealer);
    await ensureKeys(db, sealer);
    return { db, changes: opened.changes, pool: opened.pool, sealer, lock, masterSecret, migrated: applied };
  } catch (error) {
    // The embedded database is closed before its lock is given up, so no other process opens it meanwhile.
    await db?.destroy();
    lock?.release();
    throw error;
  }
}

/** The embedded database's folder, made by an earlier version open to every user of the machine, is made private. */
function warnUnlessPrivate(folder: string, logger: Logger): void {
  const result = makeFolderPrivate(folder);
  const octal = (mode: number) => mode.toString(8).padStart(3, '0');
  if (result.changed) {
    logger.warn({ folder, from: octal(result.from), to: octal(result.to) }, 'the embedded database\'s folder was open to other users of this machine; it is now private to this user');
  } else if ('failed' in result) {
    logger.warn({ folder, mode: octal(result.mode), err: result.failed },
      `the embedded database's folder is open to other users of this machine and could not be made private; run \`chmod 700 ${folder}\` as its owner`);
  }
}

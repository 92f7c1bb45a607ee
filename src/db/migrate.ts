import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import type { MigrationWarning, ReportWarning, SesameMigration } from './migration.ts';
import { migrations } from './migrations/index.ts';

export type { MigrationWarning, ReportWarning, SesameMigration };

export interface MigrationReport {
  applied: string[];
  warnings: MigrationWarning[];
}

/** Brings the schema up to date; safe to run on every start and from several nodes at once. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationReport> {
  const warnings: MigrationWarning[] = [];
  const reporting = Object.fromEntries(Object.entries(migrations).map(([name, migration]): [string, Migration] => [name, {
    up: (trx) => migration.up(trx, (message, details) => warnings.push({ migration: name, message, details })),
    down: migration.down,
  }]));
  const migrator = new Migrator({ db, provider: { getMigrations: async () => reporting } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
  }
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName), warnings };
}

import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Something a migration found and left in place, which the operator should know of (it is logged as a warning). */
export interface MigrationWarning {
  migration: string;
  message: string;
  details?: Record<string, unknown>;
}

export type ReportWarning = (message: string, details?: Record<string, unknown>) => void;

/** A migration whose `up` may report warnings; Kysely itself calls it with the database alone. */
export interface SesameMigration extends Migration {
  up(db: Kysely<any>, warn?: ReportWarning): Promise<void>;
}

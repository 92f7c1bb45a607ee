import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-23-0001-initial.ts';

/** Every migration, by name; names sort by date. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-0001-initial': initial,
};

import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SignInSettingsTable } from '../db/tables.ts';
import type { Selectable, Updateable } from 'kysely';

export type SignInSettingsRow = Selectable<SignInSettingsTable>;

/** The one row of settings; the migration creates it, but a missing row reads as the defaults. */
export async function findSignInSettings(db: Db): Promise<SignInSettingsRow | undefined> {
  return db.selectFrom('sign_in_settings').selectAll().where('id', '=', true).executeTakeFirst();
}

export async function saveSignInSettings(db: Db, changes: Updateable<SignInSettingsTable>): Promise<SignInSettingsRow> {
  return db.insertInto('sign_in_settings')
    .values({ id: true, ...changes, updated_at: sql`now()` })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...changes, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

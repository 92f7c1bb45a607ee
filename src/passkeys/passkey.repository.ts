import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { PasskeysTable } from '../db/tables.ts';

/** SQL of `passkeys`. */

export type Passkey = Selectable<PasskeysTable>;

export async function listPasskeys(db: Db, userId: string): Promise<Passkey[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

export async function findPasskey(db: Db, id: string): Promise<Passkey | undefined> {
  return db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertPasskey(db: Db, passkey: Omit<Passkey, 'created_at' | 'last_used_at' | 'transports' | 'counter'> & { counter: number; transports: string[] }): Promise<void> {
  await db.insertInto('passkeys').values({ ...passkey, transports: JSON.stringify(passkey.transports) }).execute();
}

export async function recordPasskeyUse(db: Db, id: string, counter: number): Promise<void> {
  await db.updateTable('passkeys').set({ counter, last_used_at: sql`now()` }).where('id', '=', id).execute();
}

export async function deletePasskey(db: Db, userId: string, id: string): Promise<Passkey | undefined> {
  return db.deleteFrom('passkeys').where('user_id', '=', userId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deletePasskeysOf(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

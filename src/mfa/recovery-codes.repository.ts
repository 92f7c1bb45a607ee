import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { newId } from '../ids.ts';

/** SQL of `recovery_codes`: HMACs of one-time codes. */

/** Replaces every code of the user with these. */
export async function replaceRecoveryCodes(db: Db, userId: string, hashes: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await trx.insertInto('recovery_codes').values(hashes.map((code_hash) => ({ id: newId('rc_'), user_id: userId, code_hash }))).execute();
  });
}

/** Uses the code with this HMAC, at most once: of two requests racing with it, exactly one wins. */
export async function consumeRecoveryCode(db: Db, userId: string, hash: string): Promise<boolean> {
  const row = await db.updateTable('recovery_codes').set({ used_at: sql`now()` })
    .where('user_id', '=', userId).where('code_hash', '=', hash).where('used_at', 'is', null)
    .returning('id').executeTakeFirst();
  return row !== undefined;
}

export async function countRecoveryCodes(db: Db, userId: string): Promise<{ total: number; unused: number }> {
  const row = await db.selectFrom('recovery_codes')
    .select((eb) => [eb.fn.countAll<string>().as('total'), eb.fn.count<string>('id').filterWhere('used_at', 'is', null).as('unused')])
    .where('user_id', '=', userId).executeTakeFirstOrThrow();
  return { total: Number(row.total), unused: Number(row.unused) };
}

export async function deleteRecoveryCodes(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('recovery_codes').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { TotpFactorsTable } from '../db/tables.ts';
import type { Selectable } from 'kysely';

/** SQL of `totp_factors`: one authenticator app per user. */

export type TotpFactor = Selectable<TotpFactorsTable>;

export async function findTotpFactor(db: Db, userId: string): Promise<TotpFactor | undefined> {
  return db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Starts (or restarts) an enrolment; a confirmed authenticator is never replaced. Returns false when one is. */
export async function savePendingTotp(db: Db, userId: string, secretSealed: string): Promise<boolean> {
  const row = await db.insertInto('totp_factors')
    .values({ user_id: userId, secret_sealed: secretSealed })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_sealed: secretSealed, created_at: sql`now()`, last_step: null })
      .where('totp_factors.confirmed', '=', false))
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Accepts the code of time step `step`, at most once: only when no code of this step or a later one was accepted
 * before. Of two requests racing with the same code, exactly one wins. `confirm` also ends a pending enrolment.
 */
export async function acceptTotpStep(db: Db, userId: string, step: number, options: { confirm: boolean }): Promise<boolean> {
  const row = await db.updateTable('totp_factors')
    .set({ last_step: step, ...(options.confirm ? { confirmed: true, confirmed_at: sql`now()` } : {}) })
    .where('user_id', '=', userId)
    .where('confirmed', '=', !options.confirm)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteTotpFactor(db: Db, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('totp_factors').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

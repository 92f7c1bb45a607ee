import type { Db } from '../db/database.ts';

/** SQL across the tables of second factors (`totp_factors`, `passkeys`). */

/**
 * `hasSecondFactor` (src/mfa/factors.service.ts) of a user whose factors are not otherwise needed: a confirmed
 * authenticator app or a passkey, in one statement (asked at every sign-in) instead of listing all three kinds.
 */
export async function hasSecondFactorOf(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectNoFrom((eb) => eb.or([
    eb.exists(eb.selectFrom('totp_factors').select('user_id').where('user_id', '=', userId).where('confirmed', '=', true)),
    eb.exists(eb.selectFrom('passkeys').select('id').where('user_id', '=', userId)),
  ]).$castTo<boolean>().as('has')).executeTakeFirstOrThrow();
  return row.has;
}

import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ChallengePurpose } from './webauthn-challenge.ts';

/**
 * SQL of `webauthn_challenges`: the challenges answered (src/passkeys/webauthn-challenge.ts), each kept until it
 * expires so that it is answered at most once. Handing one out writes nothing.
 */

/**
 * Records the answer to a challenge, if it has not expired by the database's clock (the clock that forgets it) and
 * was not answered before; of two requests racing with it, exactly one wins.
 */
export async function recordAnsweredChallenge(db: Db, challenge: { value: string; purpose: ChallengePurpose; subject: string; expiresAt: Date }): Promise<boolean> {
  const expiresAt = sql<Date>`${challenge.expiresAt}::timestamptz`;
  const row = await db.insertInto('webauthn_challenges')
    .columns(['challenge', 'purpose', 'subject', 'expires_at'])
    .expression(db.selectNoFrom((eb) => [
      eb.val(challenge.value).as('challenge'),
      eb.val(challenge.purpose).as('purpose'),
      eb.val(challenge.subject).as('subject'),
      expiresAt.as('expires_at'),
    ]).where(sql<boolean>`${expiresAt} > now()`))
    .onConflict((oc) => oc.column('challenge').doNothing())
    .returning('challenge')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteExpiredChallenges(db: Db): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<', sql<Date>`now()`).execute();
}

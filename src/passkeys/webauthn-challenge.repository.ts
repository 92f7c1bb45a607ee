import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** SQL of `webauthn_challenges`: each challenge answered at most once, within its lifetime. */

export type ChallengePurpose = 'register' | 'second_factor' | 'sign_in';

export async function saveChallenge(db: Db, challenge: { value: string; purpose: ChallengePurpose; subject: string; ttlSeconds: number }): Promise<void> {
  await db.insertInto('webauthn_challenges').values({
    challenge: challenge.value,
    purpose: challenge.purpose,
    subject: challenge.subject,
    expires_at: sql<Date>`now() + make_interval(secs => ${challenge.ttlSeconds})`,
  }).execute();
}

/** Takes the challenge if it was handed out for this purpose and subject and has not expired; of two takers, one wins. */
export async function consumeChallenge(db: Db, value: string, purpose: ChallengePurpose, subject: string): Promise<boolean> {
  const row = await db.deleteFrom('webauthn_challenges')
    .where('challenge', '=', value).where('purpose', '=', purpose).where('subject', '=', subject)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('challenge').executeTakeFirst();
  return row !== undefined;
}

export async function deleteExpiredChallenges(db: Db): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<', sql<Date>`now()`).execute();
}

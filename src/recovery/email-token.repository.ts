import { sql, type Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { EmailTokenPurpose, EmailTokensTable } from '../db/tables.ts';

export type EmailTokenRow = Selectable<EmailTokensTable>;

export interface NewEmailToken {
  id: string;
  purpose: EmailTokenPurpose;
  userId: string;
  email: string;
  tokenHash: string;
  sealedCode: string | null;
  interactionUid: string | null;
  ttlSeconds: number;
}

export async function insertEmailToken(db: Db, token: NewEmailToken): Promise<void> {
  await db.insertInto('email_tokens').values({
    id: token.id,
    purpose: token.purpose,
    user_id: token.userId,
    email: token.email,
    token_hash: token.tokenHash,
    sealed_code: token.sealedCode,
    interaction_uid: token.interactionUid,
    // The database's clock decides, as it does when the token is checked.
    expires_at: sql`now() + make_interval(secs => ${token.ttlSeconds}::double precision)`,
  }).execute();
}

const live = (db: Db) => db.selectFrom('email_tokens').selectAll()
  .where('used_at', 'is', null).where('expires_at', '>', sql<Date>`now()`);

/** The token of a link, if it still works (not used, not expired); it stays usable. */
export async function findLiveEmailToken(db: Db, tokenHash: string, purposes: EmailTokenPurpose[]): Promise<EmailTokenRow | undefined> {
  return live(db).where('token_hash', '=', tokenHash).where('purpose', 'in', purposes).executeTakeFirst();
}

/** Uses a link's token: of two requests with the same link, exactly one gets the row. */
export async function consumeEmailToken(db: Db, where: { tokenHash: string } | { id: string }, purposes: EmailTokenPurpose[]): Promise<EmailTokenRow | undefined> {
  let query = db.updateTable('email_tokens').set({ used_at: sql`now()` })
    .where('purpose', 'in', purposes).where('used_at', 'is', null).where('expires_at', '>', sql<Date>`now()`);
  query = 'id' in where ? query.where('id', '=', where.id) : query.where('token_hash', '=', where.tokenHash);
  return query.returningAll().executeTakeFirst();
}

/** The newest verification that still works for the user's address `email`. */
export async function findLatestVerification(db: Db, userId: string, email: string): Promise<EmailTokenRow | undefined> {
  return live(db).where('user_id', '=', userId).where('purpose', '=', 'email_verification').where('email', '=', email)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

/** Counts a wrong code; returns the attempts so far. */
export async function countWrongCode(db: Db, id: string): Promise<number> {
  const row = await db.updateTable('email_tokens').set((eb) => ({ code_attempts: eb('code_attempts', '+', 1) }))
    .where('id', '=', id).returning('code_attempts').executeTakeFirst();
  return row?.code_attempts ?? Number.POSITIVE_INFINITY;
}

/** Voids every unused token of the user for `purposes` (after a reset, a verification, a change of address). */
export async function voidEmailTokens(db: Db, userId: string, purposes: EmailTokenPurpose[]): Promise<void> {
  await db.updateTable('email_tokens').set({ used_at: sql`now()` })
    .where('user_id', '=', userId).where('purpose', 'in', purposes).where('used_at', 'is', null).execute();
}

/** The address a person asked to change to and has not confirmed yet, while its link works. */
export async function findPendingEmailChange(db: Db, userId: string): Promise<string | undefined> {
  const row = await live(db).where('user_id', '=', userId).where('purpose', '=', 'email_change')
    .orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  return row?.email;
}

export async function deleteEndedEmailTokens(db: Db): Promise<void> {
  await db.deleteFrom('email_tokens').where('expires_at', '<', sql<Date>`now() - interval '1 day'`).execute();
}

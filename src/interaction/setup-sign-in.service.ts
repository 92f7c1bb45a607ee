import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { consoleClientId } from '../apps/built-in.ts';
import { recordAuditEvent, type RequestOrigin } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { findUserById } from '../users/user.repository.ts';

/**
 * Right after the first-run form creates the first admin, the console signs them in without asking for the
 * password they have just chosen. The form's response leaves a one-time ticket in that browser only (an
 * HttpOnly, SameSite=Strict cookie on /interaction; never in a URL), and when the console's own sign-in reaches
 * the sign-in step it takes the ticket instead of the form: the same login, session and audit event a password
 * would give. A ticket lasts minutes, works once, for the console only, and only while its user is an active admin.
 */

export const setupSignInCookie = 'sesame.setup_sign_in';
export const setupSignInTtlSeconds = 300;

const hashTicket = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/** A ticket for `userId`; answers what goes in the cookie. */
export async function issueSetupSignIn(db: Db, userId: string): Promise<string> {
  const ticket = randomBytes(32).toString('base64url');
  await db.deleteFrom('setup_sign_ins').where('expires_at', '<=', sql<Date>`now()`).execute();
  await db.insertInto('setup_sign_ins').values({
    ticket_hash: hashTicket(ticket),
    user_id: userId,
    expires_at: sql`now() + make_interval(secs => ${setupSignInTtlSeconds})`,
  }).execute();
  return ticket;
}

/**
 * The admin a ticket signs in to `clientId`, using the ticket up; undefined (and the ticket left alone) for any
 * other app, and for an unknown, expired or used ticket, or a user who is no longer an active admin.
 */
export async function redeemSetupSignIn(db: Db, ticket: string, clientId: string, origin: RequestOrigin): Promise<string | undefined> {
  if (clientId !== consoleClientId || !/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
  const row = await db.deleteFrom('setup_sign_ins')
    .where('ticket_hash', '=', hashTicket(ticket)).where('expires_at', '>', sql<Date>`now()`)
    .returning('user_id').executeTakeFirst();
  const user = row && await findUserById(db, row.user_id);
  if (!user || !user.is_admin || user.suspended) return undefined;
  await recordAuditEvent(db, { type: 'sign_in.succeeded', userId: user.id, clientId, ...origin, details: { method: 'setup' } });
  return user.id;
}

import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { recordAuditEvent, type RequestOrigin } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import type { User } from '../db/tables.ts';
import { ServiceError } from '../errors.ts';
import { countAdmins } from '../users/user.repository.ts';
import { createUser, type NewUserInput } from '../users/user.service.ts';

/**
 * First run: while no admin exists, each node that starts issues a one-time link to create one. Only a hash of
 * the link's token is stored, with an expiry. Creating the admin deletes every outstanding link in the same
 * transaction, so a link works once, and a link used concurrently with another cannot make a second admin.
 */

export function hashSetupToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new setup token when no admin exists yet; undefined (and old links cleared) once one does. */
export async function issueSetupToken(db: Db, ttlSeconds: number): Promise<string | undefined> {
  if (await countAdmins(db) > 0) {
    await db.deleteFrom('setup_tokens').execute();
    return undefined;
  }
  const token = randomBytes(32).toString('base64url');
  await db.deleteFrom('setup_tokens').where('expires_at', '<=', sql<Date>`now()`).execute();
  await db.insertInto('setup_tokens').values({
    token_hash: hashSetupToken(token),
    expires_at: sql`now() + make_interval(secs => ${ttlSeconds})`,
  }).execute();
  return token;
}

/** Whether `token` can still create the first admin. */
export async function isSetupTokenValid(db: Db, token: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return false;
  const row = await db.selectFrom('setup_tokens').select('token_hash')
    .where('token_hash', '=', hashSetupToken(token)).where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Boolean(row) && await countAdmins(db) === 0;
}

/** Whether a setup link could still be valid: no admin exists yet. Once one does, there is nothing to guess. */
export async function isSetupOpen(db: Db): Promise<boolean> {
  return await countAdmins(db) === 0;
}

export const setupLinkInvalid = () => new ServiceError('setup.link_invalid', 'this setup link has expired, was already used, or an admin exists', 410);

/**
 * Creates the first admin with a setup token. Fails with `setup.link_invalid` (and changes nothing) when the
 * token is unknown, expired or used, or an admin exists; with createUser's errors when the input is wrong.
 */
export async function createFirstAdmin(db: Db, token: string, input: Omit<NewUserInput, 'admin'>, origin: RequestOrigin = {}): Promise<User> {
  const admin = await db.transaction().execute(async (trx) => {
    // Deleting every link takes their row locks: a concurrent setup waits here, then finds none left.
    const links = await trx.deleteFrom('setup_tokens').returning(['token_hash', 'expires_at']).execute();
    const hash = hashSetupToken(token);
    const link = links.find((row) => row.token_hash === hash);
    if (!link || link.expires_at.getTime() <= Date.now()) throw setupLinkInvalid();
    if (await countAdmins(trx) > 0) throw setupLinkInvalid();
    return createUser(trx, { ...input, admin: true });
  });
  await recordAuditEvent(db, { type: 'setup.admin_created', userId: admin.id, ...origin, details: { username: admin.username } });
  return admin;
}

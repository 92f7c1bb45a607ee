import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { pageNewestFirst, type Page } from '../db/paging.ts';
import { likePattern, type PageRequest } from '../pagination.ts';
import type { Database, NewUser, User, UserUpdate } from '../db/tables.ts';
import { canonicalLogin, displayForm } from './identifier.ts';

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The user signing in with a username or an email, compared by canonical key (src/users/identifier.ts). Accounts
 * that share a key from before keys existed (see the canonical-identities migration): the one whose identifier
 * was typed exactly as stored, else the one holding the key.
 */
export async function findUserByLogin(db: Db, login: string): Promise<User | undefined> {
  const key = canonicalLogin(login);
  if (key === undefined) return undefined;
  const typed = displayForm(login);
  return db.selectFrom('users').selectAll()
    .where((eb) => eb.or([eb('username_key', '=', key), eb('email_key', '=', key)]))
    .orderBy(sql`username_key = ${key}`, 'desc')
    .orderBy(sql`username = ${typed} OR coalesce(email = ${typed}, false)`, 'desc')
    .orderBy(sql`username_key_duplicate + email_key_duplicate`)
    .executeTakeFirst();
}

/**
 * Whether an account numbered as a duplicate by the canonical-identities migration holds either key. The unique
 * indexes leave those out; their keys never change while numbered, so this check cannot race.
 */
export async function isKeyHeldByDuplicate(
  db: Db,
  keys: { usernameKey?: string | null; emailKey?: string | null },
  exceptId?: string,
): Promise<boolean> {
  const { usernameKey, emailKey } = keys;
  if (!usernameKey && !emailKey) return false;
  let query = db.selectFrom('users').select('id')
    .where((eb) => eb.or([
      ...(usernameKey ? [eb.and([eb('username_key', '=', usernameKey), eb('username_key_duplicate', '>', 0)])] : []),
      ...(emailKey ? [eb.and([eb('email_key', '=', emailKey), eb('email_key_duplicate', '>', 0)])] : []),
    ]));
  if (exceptId) query = query.where('id', '<>', exceptId);
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}

export async function insertUser(db: Db, user: NewUser): Promise<User> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

export async function updateUser(db: Db, id: string, changes: UserUpdate): Promise<User | undefined> {
  return db.updateTable('users').set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id).returningAll().executeTakeFirst();
}

export async function countAdmins(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('is_admin', '=', true).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Admins who are not suspended: those who can still run the console. */
export async function countActiveAdmins(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('is_admin', '=', true).where('suspended', '=', false).executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface UserFilter {
  /** Matched case-insensitively against username, email and name. */
  search?: string;
  suspended?: boolean;
  admin?: boolean;
}

function filteredUsers(db: Db, filter: UserFilter) {
  let query = db.selectFrom('users');
  if (filter.suspended !== undefined) query = query.where('suspended', '=', filter.suspended);
  if (filter.admin !== undefined) query = query.where('is_admin', '=', filter.admin);
  if (filter.search) {
    const pattern = likePattern(filter.search);
    query = query.where((eb) => eb.or([eb('username', 'ilike', pattern), eb('email', 'ilike', pattern), eb('name', 'ilike', pattern)]));
  }
  return query;
}

/** One page, newest first, and how many match in all. */
export function queryUsers(
  db: Db,
  filter: UserFilter,
  page: PageRequest,
): Promise<Page<User>> {
  return pageNewestFirst<Database, 'users', User>(() => filteredUsers(db, filter), page);
}

/**
 * Deletes every session, grant, token and code of a user, by the lookup columns and never payload JSON (one row a
 * client managed to poison must not stop it). The grant ids are gathered first (`= ANY (ARRAY(…))`) so both halves
 * use their index: written as `grant_id IN (SELECT …)` the condition became a hashed subplan and the whole table was
 * scanned (195 ms at a million grants, 1.5 ms this way; bench/explain.ts).
 */
export const userArtifactsDeletion = (userId: string) => sql`
  DELETE FROM oidc_models
  WHERE account_id = ${userId}
     OR grant_id = ANY (ARRAY(SELECT id FROM oidc_models WHERE model = 'Grant' AND account_id = ${userId}))`;

/** Ends the user's sessions and removes every grant, token and code issued for them. */
export async function revokeUserArtifacts(db: Db, userId: string): Promise<void> {
  await userArtifactsDeletion(userId).execute(db);
}

export async function deleteUserRow(db: Db, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

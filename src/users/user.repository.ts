import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { NewUser, User, UserUpdate } from '../db/tables.ts';

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The user signing in with a username or an email, compared case-insensitively. */
export async function findUserByLogin(db: Db, login: string): Promise<User | undefined> {
  const key = login.trim().toLowerCase();
  return db.selectFrom('users').selectAll()
    .where((eb) => eb.or([
      eb(sql<string>`lower(username)`, '=', key),
      eb(sql<string>`lower(email)`, '=', key),
    ]))
    .orderBy(sql`lower(username) = ${key}`, 'desc')
    .executeTakeFirst();
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

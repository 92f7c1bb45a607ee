import { sql, type Kysely } from 'kysely';
import { newId } from '../../ids.ts';
import { canonicalEmail, canonicalUsername, identifierKey } from '../../users/identifier.ts';
import type { ReportWarning } from '../migration.ts';

/**
 * Usernames and emails get the canonical keys they are compared by (src/users/identifier.ts: RFC 8265, NFKC,
 * case-folded), computed here in JavaScript since PostgreSQL has no PRECIS. Unlike other migrations this one uses
 * today's code on purpose: the keys must equal what the service computes; a change of mapping needs a new migration.
 *
 * Accounts created under the old rules may already collide (`bob` and `ｂｏｂ`). Failing would keep Sesame from
 * starting; renaming or emptying a key could lock a person out. So the oldest account of each key holds it as
 * before, and each later one is numbered (`*_key_duplicate` = 1, 2…), a number the unique index includes:
 * - every account keeps signing in: the lookup prefers the account whose identifier was typed exactly as stored,
 *   then the one holding the key, so `ｂｏｂ` typed as stored finds `ｂｏｂ`, and `BOB` finds `bob`;
 * - no new collision gets in: new and renamed accounts always get number 0, which the index makes unique per key,
 *   and the service also refuses a key that a numbered account holds (numbered keys never change, so that check
 *   cannot race), which covers the day the holder is deleted;
 * - a numbered account that takes a name of its own is an ordinary account again.
 * Each collision is logged as a warning and recorded as an audit event `user.identifier_collision` (one per later
 * account, naming the one holding the key), and each identifier the new rules refuse (`bob` + U+200B) as
 * `user.identifier_refused`: the audit trail is what admins already read (API, CLI, console), and it says when.
 */

const batchSize = 1000;

interface Found {
  userId: string;
  details: Record<string, unknown>;
}

export async function up(db: Kysely<any>, warn: ReportWarning = () => {}): Promise<void> {
  await db.schema.alterTable('users')
    .addColumn('username_key', 'text')
    .addColumn('username_key_duplicate', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('email_key', 'text')
    .addColumn('email_key_duplicate', 'smallint', (c) => c.notNull().defaultTo(0))
    .execute();

  // Filling keys changes no cached field: no change notification per row (a million of them, on a big install).
  await sql`ALTER TABLE users DISABLE TRIGGER users_notify_change`.execute(db);
  const refused = await fillKeys(db);
  const collisions = [...await numberDuplicates(db, 'username'), ...await numberDuplicates(db, 'email')];
  await sql`ALTER TABLE users ENABLE TRIGGER users_notify_change`.execute(db);

  await sql`ALTER TABLE users ALTER COLUMN username_key SET NOT NULL`.execute(db);
  // The keys replace the lower() indexes: they are finer (NFKC) and the lookup no longer uses lower().
  await sql`DROP INDEX IF EXISTS users_username_lower`.execute(db);
  await sql`DROP INDEX IF EXISTS users_email_lower`.execute(db);
  await sql`CREATE UNIQUE INDEX users_username_key ON users (username_key, username_key_duplicate)`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_key ON users (email_key, email_key_duplicate) WHERE email_key IS NOT NULL`.execute(db);

  for (const { type, found, message } of [
    { type: 'user.identifier_collision', found: collisions, message: 'two accounts have the same canonical username or email; both keep working, and the later one signs in with it only typed exactly as stored' },
    { type: 'user.identifier_refused', found: refused, message: 'an account\'s username or email holds characters now refused (invisible, bidi, control, symbols); it keeps working' },
  ]) {
    for (const { userId, details } of found) {
      await db.insertInto('audit_events').values({ id: newId('evt_'), type, user_id: userId, details: JSON.stringify(details) }).execute();
      warn(message, { event: type, userId, ...details });
    }
  }
}

/** Writes every account's keys, in batches; returns the identifiers the new rules would refuse. */
async function fillKeys(db: Kysely<any>): Promise<Found[]> {
  const refused: Found[] = [];
  let after = '';
  for (;;) {
    const rows: { id: string; username: string; email: string | null }[] = await db.selectFrom('users')
      .select(['id', 'username', 'email']).where('id', '>', after).orderBy('id').limit(batchSize).execute();
    if (!rows.length) return refused;
    const values = rows.map((row) => sql`(${row.id}::text, ${identifierKey(row.username)}::text, ${row.email === null ? null : identifierKey(row.email)}::text)`);
    await sql`
      UPDATE users SET username_key = keys.username_key, email_key = keys.email_key
      FROM (VALUES ${sql.join(values)}) AS keys (id, username_key, email_key)
      WHERE users.id = keys.id`.execute(db);
    for (const row of rows) {
      const username = canonicalUsername(row.username);
      if (username.refused) refused.push({ userId: row.id, details: { field: 'username', username: row.username, reason: username.refused } });
      const email = row.email === null ? undefined : canonicalEmail(row.email);
      if (email?.refused) refused.push({ userId: row.id, details: { field: 'email', email: row.email, reason: email.refused } });
    }
    after = rows.at(-1)!.id;
  }
}

/** Numbers the later accounts of each key shared by several, oldest first; returns one collision per later account. */
async function numberDuplicates(db: Kysely<any>, field: 'username' | 'email'): Promise<Found[]> {
  const key = sql.ref(`${field}_key`);
  const { rows: groups } = await sql<{ key: string; accounts: { id: string; value: string }[] }>`
    SELECT ${key} AS key, json_agg(json_build_object('id', id, 'value', ${sql.ref(field)}) ORDER BY created_at, id) AS accounts
    FROM users WHERE ${key} IS NOT NULL GROUP BY ${key} HAVING count(*) > 1`.execute(db);
  const found: Found[] = [];
  for (const { key: shared, accounts: [holder, ...later] } of groups) {
    for (const [index, account] of later.entries()) {
      await db.updateTable('users').set({ [`${field}_key_duplicate`]: index + 1 }).where('id', '=', account.id).execute();
      found.push({ userId: account.id, details: { field, key: shared, [field]: account.value, other_user_id: holder!.id, [`other_${field}`]: holder!.value } });
    }
  }
  return found;
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX users_email_key`.execute(db);
  await sql`DROP INDEX users_username_key`.execute(db);
  await db.schema.alterTable('users')
    .dropColumn('username_key').dropColumn('username_key_duplicate').dropColumn('email_key').dropColumn('email_key_duplicate')
    .execute();
  await sql`CREATE UNIQUE INDEX users_username_lower ON users (lower(username))`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_lower ON users (lower(email)) WHERE email IS NOT NULL`.execute(db);
}

import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';

/** What oidc-provider keeps in a Grant's payload that Sesame reads. */
export interface GrantPayload {
  jti: string;
  accountId: string;
  clientId: string;
  iat?: number;
  openid?: { scope?: string };
  resources?: Record<string, string>;
}

/**
 * Newest first without reading payloads: a grant's expiry is fixed when it is created (its lifetime is one
 * setting), so the latest to expire is the newest; one that never expires comes first.
 */
const newestFirst = sql`expires_at DESC NULLS FIRST, id`;

// Lookups use the columns the adapter writes (client_id, account_id), never payload JSON: a payload a client
// managed to poison must not make them fail.
const liveGrants = (db: Db) => db.selectFrom('oidc_models')
  .where('model', '=', 'Grant')
  .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]));

/** Whether a grant still stands: not ended by sign-out, by the person or an admin, nor expired. */
export async function isGrantLive(db: Db, grantId: string): Promise<boolean> {
  if (!isStorableText(grantId)) return false;
  return Boolean(await liveGrants(db).select('id').where('id', '=', grantId).executeTakeFirst());
}

/** Every live grant of a user, newest first. */
export async function findGrantsOfUser(db: Db, userId: string): Promise<GrantPayload[]> {
  const rows = await liveGrants(db).select('payload')
    .where('account_id', '=', userId)
    .orderBy(newestFirst)
    .execute();
  return rows.map((row) => row.payload as unknown as GrantPayload);
}

/** The user's remembered grant for an app (the newest, if a native app left several). */
export async function findGrantOfUserForApp(db: Db, userId: string, clientId: string): Promise<GrantPayload | undefined> {
  const row = await liveGrants(db).select('payload')
    .where('account_id', '=', userId)
    .where('client_id', '=', clientId)
    .orderBy(newestFirst)
    .executeTakeFirst();
  return row?.payload as unknown as GrantPayload | undefined;
}

/** Ends every grant of the user for the app, with its refresh tokens, opaque access tokens and codes. */
export async function revokeGrantsOfUserForApp(db: Db, userId: string, clientId: string): Promise<number> {
  // The app's id may come straight from a URL; one no column can hold names no grant.
  if (!isStorableText(clientId)) return 0;
  const rows = await db.selectFrom('oidc_models').select('id')
    .where('model', '=', 'Grant')
    .where('account_id', '=', userId)
    .where('client_id', '=', clientId)
    .execute();
  for (const { id } of rows) await revokeGrant(db, id);
  return rows.length;
}

/** Deletes a grant and every token and code issued under it. */
export async function revokeGrant(db: Db, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_models')
    .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]))
    .execute();
}

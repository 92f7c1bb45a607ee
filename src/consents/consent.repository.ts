import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ConsentsTable } from '../db/tables.ts';
import { isStorableText } from '../db/text.ts';
import { newId } from '../ids.ts';
import type { Selectable } from 'kysely';

/** SQL for the consents table (src/consents/consent.service.ts owns the decisions). */

export type ConsentRow = Selectable<ConsentsTable>;

export async function findConsentRow(db: Db, userId: string, clientId: string): Promise<ConsentRow | undefined> {
  if (!isStorableText(clientId)) return undefined;
  return db.selectFrom('consents').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
}

/** A user's consents, newest decision first. */
export async function findConsentRowsOfUser(db: Db, userId: string): Promise<ConsentRow[]> {
  return db.selectFrom('consents').selectAll().where('user_id', '=', userId).orderBy('updated_at', 'desc').orderBy('id').execute();
}

export async function findConsentRowsOfApp(db: Db, clientId: string): Promise<ConsentRow[]> {
  return db.selectFrom('consents').selectAll().where('client_id', '=', clientId).orderBy('id').execute();
}

export interface ConsentContent {
  scopes: string[];
  claims: string[];
  resourceScopes: Record<string, string[]>;
}

const resourceJson = (resources: Record<string, string[]>) => JSON.stringify(Object.fromEntries(
  Object.entries(resources).filter(([, scopes]) => scopes.length).map(([indicator, scopes]) => [indicator, scopes.join(' ')]),
));

/** Inserts or replaces the user's consent for the app; a replaced one keeps its first `granted_at`. */
export async function upsertConsentRow(
  db: Db,
  row: { userId: string; clientId: string; content: ConsentContent; source: 'person' | 'admin'; expiresAt: Date | null },
): Promise<void> {
  const values = {
    scopes: row.content.scopes.join(' '),
    claims: JSON.stringify(row.content.claims),
    resource_scopes: resourceJson(row.content.resourceScopes),
    source: row.source,
    expires_at: row.expiresAt,
  };
  await db.insertInto('consents')
    .values({ id: newId('cns_'), user_id: row.userId, client_id: row.clientId, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ ...values, updated_at: sql`now()` }))
    .execute();
}

export async function updateConsentContent(db: Db, id: string, content: ConsentContent): Promise<void> {
  await db.updateTable('consents').set({
    scopes: content.scopes.join(' '),
    claims: JSON.stringify(content.claims),
    resource_scopes: resourceJson(content.resourceScopes),
    updated_at: sql`now()`,
  }).where('id', '=', id).execute();
}

/** Deletes the consent; answers whether there was one. */
export async function deleteConsentRow(db: Db, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('consents').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

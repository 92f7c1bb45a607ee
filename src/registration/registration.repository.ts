import { sql, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Application, NewApplication, RegistrationSettingsTable } from '../db/tables.ts';

export type RegistrationSettingsRow = Selectable<RegistrationSettingsTable>;

/** The one row of the policy; the migration creates it, but a missing row reads as the defaults. */
export async function findRegistrationSettings(db: Db): Promise<RegistrationSettingsRow | undefined> {
  return db.selectFrom('registration_settings').selectAll().where('id', '=', true).executeTakeFirst();
}

export async function saveRegistrationSettings(db: Db, changes: Updateable<RegistrationSettingsTable>): Promise<RegistrationSettingsRow> {
  return db.insertInto('registration_settings')
    .values({ id: true, ...changes, updated_at: sql`now()` })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...changes, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The IDs of registered API resource scopes, by `indicator scope`, for those of `refs` that exist. */
export async function findResourceScopeIds(db: Db, refs: readonly { indicator: string; scope: string }[]): Promise<Map<string, string>> {
  if (!refs.length) return new Map();
  const rows = await db.selectFrom('api_resource_scopes as s')
    .innerJoin('api_resources as r', 'r.id', 's.resource_id')
    .select(['s.id', 's.name', 'r.indicator'])
    .where('r.indicator', 'in', [...new Set(refs.map((r) => r.indicator))])
    .execute();
  const wanted = new Set(refs.map((r) => `${r.indicator} ${r.scope}`));
  return new Map(rows.map((r) => [`${r.indicator} ${r.name}`, r.id] as const).filter(([key]) => wanted.has(key)));
}

/** How many dynamic apps there are, in all and registered from one address. */
export async function countDynamicApps(db: Db, ip: string | null): Promise<{ total: number; fromIp: number }> {
  const row = await db.selectFrom('applications')
    .where('origin', '<>', 'admin')
    .select((eb) => [
      eb.fn.countAll<string>().as('total'),
      eb.fn.count<string>('id').filterWhere('registered_ip', '=', ip ?? '').as('from_ip'),
    ])
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), fromIp: ip ? Number(row.from_ip) : 0 };
}

/** A dynamic app registered with the same metadata, from the same address or by the same software. */
export async function findDynamicAppByFingerprint(
  db: Db,
  origin: 'dcr' | 'cimd',
  fingerprint: string,
  from: { ip: string | null; softwareId: string | null },
): Promise<Application | undefined> {
  if (!from.ip && !from.softwareId) return undefined;
  return db.selectFrom('applications').selectAll()
    .where('origin', '=', origin)
    .where('metadata_fingerprint', '=', fingerprint)
    .where((eb) => eb.or([
      ...(from.ip ? [eb('registered_ip', '=', from.ip)] : []),
      ...(from.softwareId ? [eb('software_id', '=', from.softwareId)] : []),
    ]))
    .orderBy('created_at', 'asc')
    .executeTakeFirst();
}

/** Locks the policy row: registrations that check the caps and insert run one at a time, so no two both slip under them. */
export async function lockRegistrationSettings(db: Db): Promise<void> {
  await sql`SELECT 1 FROM registration_settings WHERE id FOR UPDATE`.execute(db);
}

export async function insertDynamicApplication(db: Db, app: NewApplication): Promise<Application> {
  return db.insertInto('applications').values(app).returningAll().executeTakeFirstOrThrow();
}

export async function insertRegistrationToken(db: Db, token: { id: string; tokenHash: string; name: string; expiresAt: Date | null }): Promise<void> {
  await db.insertInto('registration_tokens')
    .values({ id: token.id, token_hash: token.tokenHash, name: token.name, expires_at: token.expiresAt })
    .execute();
}

/** Whether a token with this hash exists and has not expired. */
export async function registrationTokenIsLive(db: Db, tokenHash: string): Promise<boolean> {
  const row = await db.selectFrom('registration_tokens').select('id')
    .where('token_hash', '=', tokenHash)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  return Boolean(row);
}

import type { Db } from '../../db/database.ts';

/** Every registered API resource with its scopes (none when it has none): what a first-party app may ask for. */
export async function registeredResourceScopes(db: Db, limit = 1000) {
  return db.selectFrom('api_resources as r')
    .leftJoin('api_resource_scopes as s', 's.resource_id', 'r.id')
    .select(['r.indicator', 'r.name as resourceName', 's.name as scope', 's.description'])
    .orderBy('r.name').orderBy('r.indicator').orderBy('s.name')
    .limit(limit)
    .execute();
}

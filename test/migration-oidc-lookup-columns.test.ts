import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { findGrantsOfUser } from '../src/grants/grant.repository.ts';
import { revokeUserArtifacts } from '../src/users/user.repository.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/**
 * Migration 2026-11-30-0001 fills the new client_id / account_id columns of rows stored before it, poisoned ones
 * included (issue 10 §1): one payload PostgreSQL cannot read as text must not fail the upgrade.
 */
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase(undefined, { fresh: true });
  ({ db } = await openDatabase(loadConfig(database.env)));
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

it('fills the lookup columns of existing rows, poisoned ones too, and the queries then work', async () => {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const before = await migrator.migrateTo('2026-11-27-0001-change-notifications');
  expect(before.error).toBeUndefined();

  // As the adapter of the time stored them (JSON.stringify: `\u0000` and `\ud800` escapes in the text).
  const rows: [string, string, unknown][] = [
    ['Interaction', 'i-nul', { params: { client_id: 'app_1', nonce: 'a\u0000b' }, session: { accountId: 'usr_1' } }],
    ['Interaction', 'i-lone', { params: { client_id: 'app_1', state: '\ud800' } }],
    ['Interaction', 'i-bad-client', { params: { client_id: 'app_1\u0000' } }],
    ['Session', 's-nul', { accountId: 'usr_1', state: { state: '\u0000' } }],
    ['AccessToken', 'at-1', { accountId: 'usr_1', clientId: 'app_1', extra: { x: '\udfff' } }],
    ['ClientCredentials', 'cc-1', { clientId: 'app_2' }],
    ['Grant', 'g-1', { accountId: 'usr_1', clientId: 'app_1', iat: 1 }],
    ['Grant', 'g-2', { accountId: 'usr_2', clientId: 'app_1', iat: 1 }],
    ['Session', 's-not-json-object', 'just a string'],
  ];
  for (const [model, id, payload] of rows) {
    await sql`INSERT INTO oidc_models (model, id, payload, grant_id, expires_at)
              VALUES (${model}, ${id}, ${JSON.stringify(payload)}::json, ${model === 'AccessToken' ? 'g-1' : null}, now() + interval '1 hour')`.execute(db);
  }
  // The queries of the time fail on such a row; that is the defect.
  await expect(sql`DELETE FROM oidc_models WHERE payload->>'accountId' = 'usr_1'`.execute(db)).rejects.toThrow();

  const after = await migrateToLatest(db);
  // Later migrations come along; this one is the first applied.
  expect(after.applied[0]).toBe('2026-11-30-0001-oidc-lookup-columns');
  const columns = await db.selectFrom('oidc_models').select(['model', 'id', 'client_id', 'account_id']).orderBy('model').orderBy('id').execute();
  expect(columns).toEqual([
    { model: 'AccessToken', id: 'at-1', client_id: 'app_1', account_id: 'usr_1' },
    { model: 'ClientCredentials', id: 'cc-1', client_id: 'app_2', account_id: null },
    { model: 'Grant', id: 'g-1', client_id: 'app_1', account_id: 'usr_1' },
    { model: 'Grant', id: 'g-2', client_id: 'app_1', account_id: 'usr_2' },
    { model: 'Interaction', id: 'i-bad-client', client_id: null, account_id: null },
    { model: 'Interaction', id: 'i-lone', client_id: 'app_1', account_id: null },
    { model: 'Interaction', id: 'i-nul', client_id: 'app_1', account_id: 'usr_1' },
    { model: 'Session', id: 's-not-json-object', client_id: null, account_id: null },
    { model: 'Session', id: 's-nul', client_id: null, account_id: 'usr_1' },
  ]);

  expect((await findGrantsOfUser(db, 'usr_1')).map((grant) => grant.clientId)).toEqual(['app_1']);
  await revokeUserArtifacts(db, 'usr_1');
  const left = await db.selectFrom('oidc_models').select('id').orderBy('id').execute();
  expect(left.map((row) => row.id)).toEqual(['cc-1', 'g-2', 'i-bad-client', 'i-lone', 's-not-json-object']);
});

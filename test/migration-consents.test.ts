import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApplication } from '../src/apps/app.service.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { createUser } from '../src/users/user.service.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/**
 * Migration 2026-12-02-0500 turns the remembered consent of the time (live Grants of third-party apps) into consent
 * records (issue 15 §1), merged per user and app; first-party grants and expired ones do not become consents.
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

it('makes one consent record per user and third-party app from its live grants', async () => {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  expect((await migrator.migrateTo('2026-12-01-0006-second-factors')).error).toBeUndefined();

  const ada = await createUser(db, { username: 'ada', password: 'a long passphrase 1' });
  const bob = await createUser(db, { username: 'bob', password: 'a long passphrase 2' });
  const partner = (await createApplication(db, { name: 'Partner', type: 'native', third_party: true, redirect_uris: ['com.example.partner:/cb'] })).application;
  const own = (await createApplication(db, { name: 'Own', type: 'traditional', redirect_uris: ['https://own.example.com/cb'] })).application;
  const grants: [string, string, string, Record<string, unknown>, string][] = [
    ['g-1', ada.id, partner.id, { iat: 1_700_000_000, openid: { scope: 'openid profile', claims: ['email'] }, resources: { 'https://api.example.com': 'read' } }, '1 day'],
    ['g-2', ada.id, partner.id, { iat: 1_700_000_500, openid: { scope: 'openid email' }, resources: { 'https://api.example.com': 'write' } }, '2 days'],
    ['g-3', bob.id, partner.id, { iat: 1_700_000_000, openid: { scope: 'openid profile' } }, '-1 day'],
    ['g-4', ada.id, own.id, { iat: 1_700_000_000, openid: { scope: 'openid profile' } }, '1 day'],
  ];
  for (const [id, accountId, clientId, payload, ttl] of grants) {
    await sql`INSERT INTO oidc_models (model, id, payload, client_id, account_id, expires_at)
              VALUES ('Grant', ${id}, ${JSON.stringify({ jti: id, accountId, clientId, ...payload })}::jsonb, ${clientId}, ${accountId}, now() + ${ttl}::interval)`.execute(db);
  }

  const after = await migrateToLatest(db);
  expect(after.applied).toContain('2026-12-02-0500-consents');
  const consents = await db.selectFrom('consents').selectAll().execute();
  expect(consents).toHaveLength(1);
  const [consent] = consents;
  expect(consent).toMatchObject({ user_id: ada.id, client_id: partner.id, source: 'person', claims: ['email'] });
  expect(consent!.scopes.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
  expect(consent!.resource_scopes).toEqual({ 'https://api.example.com': 'read write' });
  expect(consent!.granted_at.getTime()).toBe(1_700_000_000_000);
  // It ends when the last grant would have.
  expect(consent!.expires_at!.getTime()).toBeGreaterThan(Date.now() + 36 * 3600 * 1000);
});

import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import type { Change, ChangeFeed } from '../src/db/change-feed.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { PostgresAdapter } from '../src/oidc/adapter.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/**
 * Migration 2026-12-03-0100 notifies nodes of changes to the artifacts they cache (src/oidc/artifact-cache.ts), and
 * of nothing else: `oidc_models` is written on nearly every request, and the expiry sweep deletes thousands of rows.
 */
let database: TestDatabase;
let db: Db;
let changes: ChangeFeed;
let heard: string[] = [];
let sentinels = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ db, changes } = await openDatabase(loadConfig(database.env)));
  changes.subscribe({
    changed: ({ table, key }: Change) => {
      if (table === 'sentinel') sentinels++;
      // The pool's report of this process's own writes names the table alone; PostgreSQL's notifications name the row.
      else if (table === 'oidc_models' && key !== undefined) heard.push(key);
    },
    lost: () => {},
  });
  await changes.start();
});
afterAll(async () => {
  await changes?.stop();
  await db?.destroy();
  await database?.drop();
});
beforeEach(() => {
  heard = [];
});

/** What was notified so far: everything sent before a notification of our own, which arrives after it. */
async function notified(): Promise<string[]> {
  const expected = sentinels + 1;
  await sql`SELECT pg_notify('sesame_changes', 'sentinel:x')`.execute(db);
  const started = performance.now();
  while (sentinels < expected) {
    if (performance.now() - started > 10_000) throw new Error('the sentinel notification never came');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return heard;
}

const insert = (model: string, id: string, options: { uid?: string; expired?: boolean; payload?: Record<string, unknown> } = {}) => sql`
  INSERT INTO oidc_models (model, id, uid, payload, expires_at)
  VALUES (${model}, ${id}, ${options.uid ?? null}, ${JSON.stringify({ jti: id, kind: model, exp: 2_000_000_000, ...options.payload })}::json,
    now() + ${options.expired ? sql`interval '-1 minute'` : sql`interval '1 hour'`})`.execute(db);

it('sends nothing for new artifacts', async () => {
  await insert('AccessToken', 'at-new');
  await insert('Session', 'session-new', { uid: 'uid-new' });
  await insert('Grant', 'grant-new');
  expect(await notified()).toEqual([]);
});

it('names each cached artifact deleted: tokens and grants by id, sessions by uid', async () => {
  await insert('AccessToken', 'at-1');
  await insert('ClientCredentials', 'cc-1');
  await insert('Grant', 'grant-1');
  await insert('Session', 'session-1', { uid: 'uid-1' });
  await sql`DELETE FROM oidc_models WHERE id IN ('at-1', 'cc-1', 'grant-1', 'session-1')`.execute(db);
  expect((await notified()).sort()).toEqual(['AccessToken:at-1', 'ClientCredentials:cc-1', 'Grant:grant-1', 'Session:uid-1']);
});

it('sends nothing for artifacts no node caches, nor for the expiry sweep', async () => {
  await insert('RefreshToken', 'rt-1');
  await insert('Interaction', 'interaction-1', { uid: 'interaction-uid' });
  for (let i = 0; i < 50; i++) await insert('AccessToken', `expired-${i}`, { expired: true });
  await insert('Session', 'session-expired', { uid: 'uid-expired', expired: true });
  await sql`DELETE FROM oidc_models WHERE id IN ('rt-1', 'interaction-1') OR expires_at < now()`.execute(db);
  expect(await notified()).toEqual([]);
});

it('names a grant or a token whose content changes, and a session only when more than its expiry does', async () => {
  await insert('Grant', 'grant-2', { payload: { openid: { scope: 'openid email' } } });
  await insert('AccessToken', 'at-2');
  await insert('Session', 'session-2', { uid: 'uid-2', payload: { accountId: 'ada', authorizations: { app: { grantId: 'grant-2' } } } });
  // Saved again as it was, for longer: as oidc-provider saves a session on many requests.
  await sql`UPDATE oidc_models SET payload = replace(payload::text, '2000000000', '2000000600')::json, expires_at = expires_at + interval '10 minutes'
            WHERE id IN ('session-2', 'grant-2')`.execute(db);
  expect(await notified()).toEqual([]);
  await sql`UPDATE oidc_models SET payload = replace(payload::text, 'openid email', 'openid')::json WHERE id = 'grant-2'`.execute(db);
  await sql`UPDATE oidc_models SET payload = replace(payload::text, 'grant-2', 'grant-3')::json WHERE id = 'session-2'`.execute(db);
  await sql`UPDATE oidc_models SET expires_at = now() + interval '1 minute' WHERE id = 'at-2'`.execute(db);
  expect(await notified()).toEqual(['Grant:grant-2', 'Session:uid-2', 'AccessToken:at-2']);
});

it('hears nothing when oidc-provider saves a session again through the adapter, only its expiry moved', async () => {
  // The adapter's batched upsert (src/oidc/artifact-writer.ts) must store the payload's text as written: the trigger
  // tells an expiry from a change by that text.
  const sessions = new PostgresAdapter(db, 'Session');
  const payload = { uid: 'uid-saved', accountId: 'ada', kind: 'Session', jti: 'session-saved', authorizations: { app: { grantId: 'g' } } };
  await sessions.upsert('session-saved', { ...payload, exp: 2_000_000_000 }, 3600);
  await notified();
  heard = [];
  await sessions.upsert('session-saved', { ...payload, exp: 2_000_000_600 }, 4200);
  expect(await notified()).toEqual([]);
  await sessions.upsert('session-saved', { ...payload, accountId: 'grace', exp: 2_000_000_600 }, 4200);
  expect(await notified()).toEqual(['Session:uid-saved']);
});

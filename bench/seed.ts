/**
 * `npm run bench:seed`: a large PostgreSQL database for `npm run bench -- --large` — 1,000,000 users, 10,000 apps and
 * 1,000,000 remembered grants — filled in bulk inside the server (INSERT … SELECT generate_series), not through the
 * API. Every user shares one precomputed argon2id hash. The database (sesame_bench_large) is kept between runs.
 *
 *   npm run bench:seed [-- --users N --apps N --grants N]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { openRuntime } from '../src/runtime.ts';
import { hashPassword } from '../src/users/password.ts';

export const largeDatabaseName = 'sesame_bench_large';
/** The password of every seeded user (seed-user-N). */
export const seededPassword = 'seeded user password';

async function seed() {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '1000000' }, apps: { type: 'string', default: '10000' }, grants: { type: 'string', default: '1000000' } } });
  const users = Number(values.users);
  const apps = Number(values.apps);
  const grants = Number(values.grants);
  const adminUrl = process.env.SESAME_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
  const resultsDir = path.resolve(import.meta.dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const started = performance.now();
  const step = async (what: string, work: () => Promise<unknown>) => {
    const t0 = performance.now();
    process.stdout.write(`${what} … `);
    await work();
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };

  const admin = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await admin.connect();
  await step(`recreating database ${largeDatabaseName}`, async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${largeDatabaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${largeDatabaseName}`);
  });
  await admin.end();

  // Sesame's own migrations and keys, under a master secret kept for the benchmark's server.
  const url = `${adminUrl}/${largeDatabaseName}`;
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path.join(resultsDir, 'seed-secret'), secret, { mode: 0o600 });
  await step('migrating and creating keys', async () => {
    const runtime = await openRuntime(loadConfig({ DATABASE_URL: url, SESAME_SECRET: secret }), createLogger('warn'));
    await runtime.db.destroy();
  });

  const passwordHash = await hashPassword(seededPassword);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await step(`${users.toLocaleString('en')} users`, () => db.query(`
    INSERT INTO users (id, username, username_key, email, email_key, email_verified, password_hash, name, given_name, family_name, locale, created_at, updated_at)
    SELECT 'usr_seed_' || g, 'seed-user-' || g, 'seed-user-' || g, 'seed-user-' || g || '@example.com', 'seed-user-' || g || '@example.com', g % 2 = 0, $1,
           'Seed User ' || g, 'Seed', 'User ' || g, 'en', now() - (g || ' seconds')::interval, now()
    FROM generate_series(1, $2::int) g`, [passwordHash, users]));

  // A realistic mix: half traditional web apps, the rest SPAs, native apps and m2m; a third of the interactive
  // ones third-party with an allowlist. Confidential apps get a secret each.
  await step(`${apps.toLocaleString('en')} applications with secrets and allowlists`, async () => {
    await db.query(`
      INSERT INTO applications (id, name, type, third_party, redirect_uris, post_logout_redirect_uris, cors_origins, created_at, updated_at)
      SELECT 'app_seed_' || g, 'Seed app ' || g, t.type, t.type <> 'm2m' AND g % 3 = 0,
             CASE WHEN t.type = 'm2m' THEN '[]'::jsonb
                  WHEN t.type = 'native' THEN jsonb_build_array('com.example.app' || g || ':/callback')
                  ELSE jsonb_build_array('https://app' || g || '.example.com/callback') END,
             '[]'::jsonb,
             CASE WHEN t.type = 'spa' THEN jsonb_build_array('https://app' || g || '.example.com') ELSE '[]'::jsonb END,
             now() - (g || ' seconds')::interval, now()
      FROM generate_series(1, $1::int) g
      CROSS JOIN LATERAL (SELECT (ARRAY['traditional', 'traditional', 'spa', 'native', 'm2m'])[1 + g % 5] AS type) t`, [apps]);
    await db.query(`
      INSERT INTO application_secrets (id, application_id, name, secret_hash, last_chars)
      SELECT 'sec_seed_' || a.id, a.id, 'Default', encode(sha256(convert_to('seed secret ' || a.id, 'UTF8')), 'hex'), 'seed'
      FROM applications a WHERE a.type IN ('traditional', 'm2m') AND a.id LIKE 'app_seed_%'`);
    await db.query(`
      INSERT INTO application_user_scopes (application_id, scope)
      SELECT a.id, s FROM applications a CROSS JOIN unnest(ARRAY['profile', 'email']) s
      WHERE a.third_party AND a.id LIKE 'app_seed_%'`);
  });

  // Grants as oidc-provider stores them (model Grant, payload with accountId, clientId, openid.scope, iat, exp, jti;
  // the adapter's lookup columns account_id and client_id):
  // each spread over users and interactive apps, so a user has about one.
  await step(`${grants.toLocaleString('en')} grants`, () => db.query(`
    WITH interactive AS (SELECT array_agg(id ORDER BY id) AS ids FROM applications WHERE type <> 'm2m' AND id LIKE 'app_seed_%'),
         g AS (SELECT n, extract(epoch FROM now())::bigint - (n % 86400) AS iat FROM generate_series(1, $1::int) n)
    INSERT INTO oidc_models (model, id, payload, account_id, client_id, expires_at)
    SELECT 'Grant', 'grant_seed_' || g.n,
           json_build_object('kind', 'Grant', 'jti', 'grant_seed_' || g.n, 'accountId', o.account_id, 'clientId', o.client_id,
                             'openid', json_build_object('scope', 'openid profile email'), 'iat', g.iat, 'exp', g.iat + 15552000),
           o.account_id, o.client_id, to_timestamp(g.iat + 15552000)
    FROM g, interactive,
         LATERAL (SELECT 'usr_seed_' || (1 + (g.n::bigint * 7919) % $2::int) AS account_id,
                         interactive.ids[1 + g.n % array_length(interactive.ids, 1)] AS client_id) o`, [grants, users]));
  await step('VACUUM ANALYZE', () => db.query('VACUUM ANALYZE'));
  const size = await db.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
  await db.end();
  const totalSeconds = Math.round((performance.now() - started) / 1000);
  const info = { users, apps, grants, seconds: totalSeconds, databaseSize: size.rows[0].size, date: new Date().toISOString() };
  writeFileSync(path.join(resultsDir, 'seed.json'), JSON.stringify(info, null, 2));
  console.log(`seeded ${largeDatabaseName} (${info.databaseSize}) in ${totalSeconds} s`);
}

if (import.meta.main) await seed();

import * as client from 'openid-client';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame, type Sesame } from '../src/server.ts';
import { testDatabaseKind } from './support/database.ts';
import { allow } from './support/consent.ts';
import { apiClient, clientCredentials, managementToken } from './support/management.ts';
import { relyingParty, signIn } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { touching, watchStatements } from './support/statements.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Nodes cache apps, secrets, allowlists, resources, users and throttling blocks (src/cache/directory.ts). Whatever changes them —
 * the Management API on this node or another, or plain SQL — must be seen at once on the node that made the
 * change and within moments on every other.
 */
let a: TestSesame;
let m2m: { clientId: string; clientSecret: string };
let resource: { id: string; indicator: string };

/**
 * Asks `check` until it returns true. What a node caches it keeps for 5 minutes (src/cache/directory.ts), so a change
 * another node sees within one was carried by the change feed; on an idle machine that is a few milliseconds, on a
 * loaded one it may be seconds, and the test only asks that it come long before the cache would have let it go.
 */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > 60_000) throw new Error('not seen within a minute, so not through the change feed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const tokenStatus = async (node: { url: string }, app: { clientId: string; clientSecret: string }) => {
  const response = await clientCredentials(node as TestSesame, app, { resource: resource.indicator, scope: 'read:things write:things' });
  return { status: response.status, body: await response.json() as { scope?: string; error?: string; error_description?: string } };
};

beforeAll(async () => {
  a = await startTestSesame();
  const token = await managementToken(a);
  const created = await apiClient(a, token)('POST', '/api/resources', {
    name: 'Things', indicator: 'https://things.example.com/', scopes: [{ name: 'read:things' }, { name: 'write:things' }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  resource = { id: created.body.id, indicator: created.body.indicator };
  const app = await a.createApp({ name: 'Worker', type: 'm2m' });
  m2m = { clientId: app.clientId, clientSecret: app.clientSecret! };
  await allow(a, m2m.clientId, [], [{ indicator: resource.indicator, scope: 'read:things' }, { indicator: resource.indicator, scope: 'write:things' }]);
});
afterAll(async () => a?.stop());

describe('on the node that makes the change', () => {
  it('sees a change made through SQL on its own connection with no delay', async () => {
    const app = await a.createApp({ name: 'Local', type: 'm2m' });
    await allow(a, app.clientId, [], [{ indicator: resource.indicator, scope: 'read:things' }]);
    const credentials = { clientId: app.clientId, clientSecret: app.clientSecret! };
    expect((await tokenStatus(a, credentials)).status).toBe(200);
    expect((await tokenStatus(a, credentials)).status).toBe(200);
    await sql`UPDATE application_secrets SET expires_at = now() - interval '1 minute' WHERE application_id = ${app.clientId}`.execute(a.sesame.db);
    const refused = await tokenStatus(a, credentials);
    expect(refused.body.error).toBe('invalid_client');
    expect(refused.body.error_description).toMatch(/expired/);
  });

  it('sees a change made in a transaction once it commits, and not a rolled-back one', async () => {
    expect((await tokenStatus(a, m2m)).body.scope).toBe('read:things write:things');
    await a.sesame.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('application_resource_scopes').where('application_id', '=', m2m.clientId).execute();
      throw new Error('rolled back');
    }).catch(() => {});
    expect((await tokenStatus(a, m2m)).body.scope).toBe('read:things write:things');
    await a.sesame.db.transaction().execute(async (trx) => {
      const write = await trx.selectFrom('api_resource_scopes').select('id').where('name', '=', 'write:things').executeTakeFirstOrThrow();
      await trx.deleteFrom('application_resource_scopes').where('application_id', '=', m2m.clientId).where('scope_id', '=', write.id).execute();
    });
    expect((await tokenStatus(a, m2m)).body.scope).toBe('read:things');
    await allow(a, m2m.clientId, [], [{ indicator: resource.indicator, scope: 'read:things' }, { indicator: resource.indicator, scope: 'write:things' }]);
    expect((await tokenStatus(a, m2m)).body.scope).toBe('read:things write:things');
  });

  it('keeps what it cached through a statement that changed no rows', async () => {
    expect((await tokenStatus(a, m2m)).status).toBe(200);
    const statements = watchStatements();
    try {
      await a.sesame.db.deleteFrom('application_secrets').where('application_id', '=', 'no-such-app').execute();
      await a.sesame.db.deleteFrom('throttle_blocks').where('key', '=', 'no-such-block').execute();
      statements.clear();
      expect((await tokenStatus(a, m2m)).status).toBe(200);
      expect(touching(statements.texts, 'application_secrets')).toEqual([]);
      expect(touching(statements.texts, 'throttle_blocks')).toEqual([]);
    } finally {
      statements.stop();
    }
  });

  it('answers a CORS preflight for an app created a moment ago', async () => {
    const origin = 'https://fresh-spa.example.com';
    const preflight = () => fetch(`${a.url}/oidc/token`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect((await preflight()).headers.get('access-control-allow-origin')).toBeNull();
    await a.createApp({ name: 'Fresh SPA', type: 'spa', redirect_uris: [`${origin}/callback`] });
    expect((await preflight()).headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe.skipIf(testDatabaseKind !== 'postgres')('across nodes sharing one PostgreSQL database', () => {
  let b: Sesame;
  let bUrl: string;
  const node = () => ({ url: bUrl });

  beforeAll(async () => {
    // A second node: same database, secret and issuer; its own port, pool and caches.
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'silent', ...a.database.env, SESAME_ISSUER: a.url,
    });
    b = await startSesame(config, createLogger('silent'));
    bUrl = `http://127.0.0.1:${b.port}`;
  });
  afterAll(async () => b?.close());

  it('refuses a secret on node B moments after node A deletes it', async () => {
    const token = await managementToken(a);
    const app = await a.createApp({ name: 'Rotating', type: 'm2m' });
    await allow(a, app.clientId, [], [{ indicator: resource.indicator, scope: 'read:things' }]);
    const old = { clientId: app.clientId, clientSecret: app.clientSecret! };
    const added = await apiClient(a, token)('POST', `/api/applications/${app.clientId}/secrets`, { name: 'next' });
    expect(added.status).toBe(201);
    const next = { clientId: app.clientId, clientSecret: added.body.value as string };
    // Node B has both secrets' app cached.
    expect((await tokenStatus(node(), old)).status).toBe(200);
    expect((await tokenStatus(node(), next)).status).toBe(200);
    const listed = await apiClient(a, token)('GET', `/api/applications/${app.clientId}/secrets`);
    const oldId = (listed.body.data as { id: string; name: string }[]).find((s) => s.name !== 'next')!.id;
    expect((await apiClient(a, token)('DELETE', `/api/applications/${app.clientId}/secrets/${oldId}`)).status).toBe(204);
    await eventually(async () => (await tokenStatus(node(), old)).body.error === 'invalid_client');
    expect((await tokenStatus(node(), next)).status).toBe(200);
  });

  it('refuses on node B a client that node A just blocked, and serves it again once the block is lifted', async () => {
    const app = await a.createApp({ name: 'Hammered', type: 'm2m' });
    const right = { clientId: app.clientId, clientSecret: app.clientSecret! };
    // Node B has "not blocked" cached for this client and address.
    expect((await clientCredentials(node() as TestSesame, right)).status).toBe(200);
    let refused = 0;
    while (refused < 30 && (await clientCredentials(a, { ...right, clientSecret: 'wrong' })).status !== 429) refused++;
    expect((await clientCredentials(a, right)).status).toBe(429);
    await eventually(async () => (await clientCredentials(node() as TestSesame, right)).status === 429);
    await sql`DELETE FROM throttle_blocks WHERE client_id = ${app.clientId}`.execute(a.sesame.db);
    await eventually(async () => (await clientCredentials(node() as TestSesame, right)).status === 200);
  });

  it('shows node B a user changed on node A', async () => {
    const user = await a.createUser({ name: 'Ada Lovelace' });
    const redirectUri = 'https://nodes.example.com/callback';
    const app = await a.createApp({ name: 'Nodes', type: 'traditional', redirect_uris: [redirectUri] });
    const rp = await relyingParty(a, app, redirectUri);
    const { tokens } = await signIn(rp, new UserAgent(a.url), { login: user.username, password: user.password }, { scope: 'openid profile' });
    const userinfoAtB = async () => {
      const response = await fetch(`${bUrl}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      return response.json() as Promise<{ name?: string }>;
    };
    expect((await userinfoAtB()).name).toBe('Ada Lovelace');
    expect((await client.fetchUserInfo(rp.config, tokens.access_token, user.id)).name).toBe('Ada Lovelace');
    const token = await managementToken(a);
    expect((await apiClient(a, token)('PATCH', `/api/users/${user.id}`, { name: 'Ada King' })).status).toBe(200);
    // Node A, which made the change, shows it at once; node B within moments.
    expect((await client.fetchUserInfo(rp.config, tokens.access_token, user.id)).name).toBe('Ada King');
    await eventually(async () => (await userinfoAtB()).name === 'Ada King');
  });

  it('narrows tokens on node B when node A changes the allowlist or the resource', async () => {
    expect((await tokenStatus(node(), m2m)).body.scope).toBe('read:things write:things');
    await allow(a, m2m.clientId, [], [{ indicator: resource.indicator, scope: 'read:things' }]);
    await eventually(async () => (await tokenStatus(node(), m2m)).body.scope === 'read:things');
    const token = await managementToken(a);
    expect((await apiClient(a, token)('DELETE', `/api/resources/${resource.id}`)).status).toBe(204);
    await eventually(async () => (await tokenStatus(node(), m2m)).body.error === 'invalid_target');
  });

  it('hears a change made with plain SQL by someone who is not a node', async () => {
    const app = await a.createApp({ name: 'Operator', type: 'm2m' });
    const credentials = { clientId: app.clientId, clientSecret: app.clientSecret! };
    const grant = () => clientCredentials(node() as TestSesame, credentials, {}).then((r) => r.status);
    expect(await grant()).toBe(200);
    const operator = new pg.Client({ connectionString: a.database.env.DATABASE_URL });
    await operator.connect();
    try {
      await operator.query('UPDATE applications SET type = $1 WHERE id = $2', ['traditional', app.clientId]);
      // A traditional app may not use client credentials.
      await eventually(async () => (await grant()) === 400);
    } finally {
      await operator.end();
    }
  });

  it('caches nothing it cannot trust while its notification connection is down, and recovers', async () => {
    const app = await a.createApp({ name: 'Outage', type: 'm2m' });
    const credentials = { clientId: app.clientId, clientSecret: app.clientSecret! };
    // No resource: an earlier test deleted it.
    const grant = async () => (await clientCredentials(node() as TestSesame, credentials, {}).then((r) => r.json())) as { error?: string; access_token?: string };
    expect((await grant()).access_token).toBeTruthy();
    const operator = new pg.Client({ connectionString: a.database.env.DATABASE_URL });
    await operator.connect();
    try {
      // Cut every node's LISTEN connection, then change the app before they notice.
      await operator.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'sesame-change-feed' AND pid <> pg_backend_pid()`);
      await operator.query(`UPDATE application_secrets SET expires_at = now() - interval '1 minute' WHERE application_id = $1`, [app.clientId]);
      await eventually(async () => (await grant()).error === 'invalid_client');
      // Once the connection is back, changes are heard again.
      await eventually(async () => (await operator.query(`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'sesame-change-feed'`)).rows[0].n >= 2);
      await operator.query('UPDATE application_secrets SET expires_at = NULL WHERE application_id = $1', [app.clientId]);
      await eventually(async () => Boolean((await grant()).access_token));
    } finally {
      await operator.end();
    }
  });
});

import { sql } from 'kysely';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientSecret } from '../src/apps/app.service.ts';
import { insertSecret } from '../src/apps/app.repository.ts';
import { newId } from '../src/ids.ts';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/** Several named secrets per confidential app, stored hashed, each with an optional expiry (DESIGN.md §3). */

const logs = captureLogs();
let sesame: TestSesame;
let m2m: { clientId: string; clientSecret: string };
/** Every secret value this file creates: none may show up in the log or the database. */
const secretsUsed: string[] = [];

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_LOG_LEVEL: 'debug' }, { logger: logs.logger });
  const app = await sesame.createApp({ name: 'Reporting job', type: 'm2m' });
  m2m = { clientId: app.clientId, clientSecret: app.clientSecret! };
  secretsUsed.push(m2m.clientSecret);
});
afterAll(async () => sesame?.stop());

async function addSecret(applicationId: string, name: string, expiresAt: Date | null = null) {
  const value = generateClientSecret();
  secretsUsed.push(value);
  const row = await insertSecret(sesame.sesame.db, { id: newId('sec_'), applicationId, name, value, expiresAt });
  return { id: row.id, value };
}

async function deleteSecret(id: string) {
  await sql`DELETE FROM application_secrets WHERE id = ${id}`.execute(sesame.sesame.db);
}

type Method = 'basic' | 'post';

/** A client credentials request authenticated with `secret`, the way a client library sends it. */
async function clientCredentials(clientId: string, secret: string, method: Method = 'basic') {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (method === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', clientId);
    form.set('client_secret', secret);
  }
  const response = await fetch(new URL('/oidc/token', sesame.url), { method: 'POST', headers, body: form });
  return { status: response.status, body: await response.json() as Record<string, string> };
}

async function expectAccepted(clientId: string, secret: string, method: Method = 'basic') {
  const result = await clientCredentials(clientId, secret, method);
  expect(result.body.error_description ?? result.body.error).toBeUndefined();
  expect(result.status).toBe(200);
  expect(result.body.access_token).toBeTruthy();
}

describe('rotation with two live secrets', () => {
  it('accepts both, then refuses a deleted one at once while the other goes on working', async () => {
    const second = await addSecret(m2m.clientId, 'Rotation 2026');
    for (const method of ['basic', 'post'] as const) {
      await expectAccepted(m2m.clientId, m2m.clientSecret, method);
      await expectAccepted(m2m.clientId, second.value, method);
    }

    const first = await sesame.sesame.db.selectFrom('application_secrets').select('id')
      .where('application_id', '=', m2m.clientId).where('name', '=', 'Default').executeTakeFirstOrThrow();
    await deleteSecret(first.id);

    for (const method of ['basic', 'post'] as const) {
      const refused = await clientCredentials(m2m.clientId, m2m.clientSecret, method);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
      await expectAccepted(m2m.clientId, second.value, method);
    }
  });

  it('works for a traditional app signing a user in (openid-client), with the old and the new secret', async () => {
    const redirectUri = 'https://rotating.example.com/callback';
    const app = await sesame.createApp({ name: 'Rotating web app', type: 'traditional', redirect_uris: [redirectUri] });
    secretsUsed.push(app.clientSecret!);
    const next = await addSecret(app.clientId, 'Next');
    const user = await sesame.createUser();
    for (const secret of [app.clientSecret!, next.value]) {
      const config = await client.discovery(new URL(sesame.url), app.clientId, secret, client.ClientSecretPost(secret), { execute: [client.allowInsecureRequests] });
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const callback = await new UserAgent(sesame.url).authorize(url.toString(), { login: user.username, password: user.password });
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
      expect(tokens.claims()?.sub).toBe(user.id);
    }
  });
});

describe('expiry', () => {
  it('refuses an expired secret with invalid_client and a description that says it expired', async () => {
    const app = await sesame.createApp({ name: 'Expiring job', type: 'm2m' });
    secretsUsed.push(app.clientSecret!);
    const expired = await addSecret(app.clientId, 'Last year', new Date(Date.now() - 3600_000));
    for (const method of ['basic', 'post'] as const) {
      const result = await clientCredentials(app.clientId, expired.value, method);
      expect(result.status).toBeGreaterThanOrEqual(400);
      expect(result.body.error).toBe('invalid_client');
      expect(result.body.error_description).toMatch(/expired/);
    }
    // The app's other secret is unaffected.
    await expectAccepted(app.clientId, app.clientSecret!);
  });

  it('accepts a secret until it expires', async () => {
    const app = await sesame.createApp({ name: 'Soon expiring job', type: 'm2m' });
    secretsUsed.push(app.clientSecret!);
    const valid = await addSecret(app.clientId, 'Next hour', new Date(Date.now() + 3600_000));
    await expectAccepted(app.clientId, valid.value, 'post');
    await sql`UPDATE application_secrets SET expires_at = now() - interval '1 minute' WHERE id = ${valid.id}`.execute(sesame.sesame.db);
    const result = await clientCredentials(app.clientId, valid.value, 'post');
    expect(result.body.error).toBe('invalid_client');
    expect(result.body.error_description).toMatch(/expired/);
  });
});

describe('wrong secrets', () => {
  it.each([
    ['an unknown secret', () => generateClientSecret()],
    ['the secret with one character changed', () => `${m2m.clientSecret.slice(0, -1)}${m2m.clientSecret.endsWith('A') ? 'B' : 'A'}`],
    ['the hash of a secret', () => '0'.repeat(64)],
  ])('refuses %s with invalid_client', async (_name, secret) => {
    for (const method of ['basic', 'post'] as const) {
      const result = await clientCredentials(m2m.clientId, secret(), method);
      expect(result.status).toBe(401);
      expect(result.body.error).toBe('invalid_client');
      expect(result.body.access_token).toBeUndefined();
    }
  });

  it('refuses another app\'s secret', async () => {
    const other = await sesame.createApp({ name: 'Other job', type: 'm2m' });
    secretsUsed.push(other.clientSecret!);
    const result = await clientCredentials(m2m.clientId, other.clientSecret!);
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_client');
  });

  it('refuses a hash presented as the secret', async () => {
    const row = await sesame.sesame.db.selectFrom('application_secrets').select('secret_hash')
      .where('application_id', '=', m2m.clientId).executeTakeFirstOrThrow();
    const result = await clientCredentials(m2m.clientId, row.secret_hash, 'post');
    expect(result.body.error).toBe('invalid_client');
  });
});

describe('secrets at rest and in logs', () => {
  // Runs last in this file: by now every secret above has been used, accepted or refused, by basic and post.
  it('never writes a secret to the log, even at debug level', () => {
    const text = logs.text();
    expect(text).toMatch(/"level":20|"path":"\/oidc\/token"/);
    expect(text).toContain('"path":"/oidc/token"');
    for (const secret of secretsUsed) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    }
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{20,}/);
  });

  it('keeps only hashes in the database', async () => {
    const db = sesame.sesame.db;
    const tables = {
      applications: await db.selectFrom('applications').selectAll().execute(),
      application_secrets: await db.selectFrom('application_secrets').selectAll().execute(),
      oidc_models: await db.selectFrom('oidc_models').selectAll().execute(),
    };
    expect(tables.application_secrets.length).toBeGreaterThan(3);
    const dump = JSON.stringify(tables);
    for (const secret of secretsUsed) expect(dump).not.toContain(secret);
    for (const row of tables.application_secrets) expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/config.ts';
import { listKeys, rotateKeys } from '../src/keys/key-store.ts';
import { createLogger } from '../src/logger.ts';
import { resolveMasterSecret } from '../src/secrets/master-secret.ts';
import { createSealer, WrongSecretError } from '../src/secrets/sealed.ts';
import { startSesame, type Sesame } from '../src/server.ts';
import { createApplication } from '../src/apps/app.service.ts';
import { createUser } from '../src/users/user.service.ts';
import { sesameCli, spawnSesame } from './support/cli.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { UserAgent } from './support/user-agent.ts';

/** Signing and cookie keys: generated on first start, sealed at rest, rotated without breaking earlier tokens. */
let database: TestDatabase;
let config: Config;
let sesame: Sesame;
let app: { clientId: string; clientSecret: string };
const redirectUri = 'https://app.example.com/callback';
const password = 'correct horse battery staple';

beforeAll(async () => {
  database = await createTestDatabase();
  // A short refresh interval, so the test of a rotation made elsewhere (another node, the CLI) stays quick.
  config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'silent', SESAME_KEY_REFRESH_SECONDS: '1', ...database.env });
  sesame = await startSesame(config, createLogger('silent'));
  await createUser(sesame.db, { username: 'keys-user', password, email: 'keys@example.com' });
  const created = await createApplication(sesame.db, { name: 'Keys', type: 'traditional', redirect_uris: [redirectUri] });
  app = { clientId: created.application.id, clientSecret: created.clientSecret! };
});
afterAll(async () => {
  await sesame?.close();
  await database?.drop();
});

async function jwks(): Promise<JSONWebKeySet> {
  const response = await fetch(`${sesame.issuer}/oidc/jwks`);
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}

/** Signs in through the real pages and returns the ID token the app receives. */
async function idToken(agent = new UserAgent(sesame.issuer)): Promise<string> {
  const rp = await client.discovery(new URL(sesame.issuer), app.clientId, app.clientSecret, client.ClientSecretBasic(app.clientSecret), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: redirectUri, scope: 'openid', state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const callback = await agent.authorize(url.toString(), { login: 'keys-user', password });
  const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier, expectedState: state });
  return tokens.id_token!;
}

async function verify(token: string) {
  return jwtVerify(token, createLocalJWKSet(await jwks()), { issuer: sesame.issuer, audience: app.clientId });
}

async function activeKid(use: 'sig' | 'cookie', alg: string) {
  return (await listKeys(sesame.db)).find((k) => k.use === use && k.alg === alg && k.status === 'active')!.kid;
}

describe('keys on first start', () => {
  it('creates an active RS256 and ES256 signing key and a cookie key', async () => {
    const keys = await listKeys(sesame.db);
    const active = keys.filter((k) => k.status === 'active').map((k) => `${k.use}/${k.alg}`).sort();
    expect(active).toEqual(['cookie/HS256', 'sig/ES256', 'sig/RS256']);
  });

  it('stores private parts only as JWEs under the master secret, never as plain JWKs', async () => {
    const rows = await sesame.db.selectFrom('keys').selectAll().execute();
    const sealer = createSealer(resolveMasterSecret(config));
    for (const row of rows) {
      const parts = row.private_jwe.split('.');
      expect(parts, row.kid).toHaveLength(5);
      expect(JSON.parse(Buffer.from(parts[0]!, 'base64url').toString())).toEqual({ alg: 'dir', enc: 'A256GCM' });
      expect(() => JSON.parse(row.private_jwe)).toThrow();
      expect(row.private_jwe).not.toMatch(/"d"|"kty"/);
      const opened = await sealer.open(row.private_jwe);
      if (row.use === 'sig') {
        expect(JSON.parse(opened)).toMatchObject({ kid: row.kid, d: expect.any(String) });
        expect(row.public_jwk).not.toHaveProperty('d');
        expect(row.public_jwk).toMatchObject({ kid: row.kid, alg: row.alg, use: 'sig' });
      } else {
        expect(opened.length).toBeGreaterThanOrEqual(32);
      }
    }
    // A different secret opens nothing.
    await expect(createSealer(randomBytes(32).toString('base64url')).open(rows[0]!.private_jwe)).rejects.toBeInstanceOf(WrongSecretError);
  });

  it('publishes only public keys in JWKS', async () => {
    const { keys } = await jwks();
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key, key.kid).not.toHaveProperty(secret);
    }
  });
});

describe('keys rotate', () => {
  it('publishes the new key, signs new ID tokens with it, and keeps earlier tokens verifiable', async () => {
    const before = await idToken();
    const oldKid = await activeKid('sig', 'RS256');
    expect(decodeProtectedHeader(before)).toMatchObject({ alg: 'RS256', kid: oldKid });
    await verify(before);

    const fresh = await rotateKeys(sesame.db, sesame.sealer);
    expect(fresh.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    // The periodic refresh (every second here) may have picked the new keys up already; either way they are in use now.
    await sesame.providers.refresh();
    const newKid = await activeKid('sig', 'RS256');
    expect(newKid).not.toBe(oldKid);

    const kids = (await jwks()).keys.map((k) => k.kid);
    expect(kids).toContain(newKid);
    expect(kids).toContain(oldKid);
    // The active keys come first, so JWKS consumers that pick the first key of an algorithm pick the new one.
    expect((await jwks()).keys.find((k) => k.alg === 'RS256')?.kid).toBe(newKid);

    const after = await idToken();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    await verify(after);
    const { payload } = await verify(before);
    expect(payload.iss).toBe(sesame.issuer);
  });

  it('keeps sign-in sessions across a cookie key rotation', async () => {
    const agent = new UserAgent(sesame.issuer);
    await idToken(agent);
    await rotateKeys(sesame.db, sesame.sealer, 'cookie');
    await sesame.providers.refresh();
    // Signed in already: the authorization goes straight back to the app, no sign-in page.
    const rp = await client.discovery(new URL(sesame.issuer), app.clientId, app.clientSecret, client.ClientSecretBasic(app.clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri, scope: 'openid', prompt: 'none',
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await agent.authorize(url.toString());
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('a node notices a rotation made elsewhere within SESAME_KEY_REFRESH_SECONDS', async () => {
    const [rs256] = (await rotateKeys(sesame.db, sesame.sealer)).filter((k) => k.alg === 'RS256');
    // Within the interval on a quiet machine; a loaded one runs the timer late, so the test waits longer.
    const deadline = Date.now() + 30_000;
    let kids: (string | undefined)[] = [];
    while (Date.now() < deadline) {
      kids = (await jwks()).keys.map((k) => k.kid);
      if (kids.includes(rs256!.kid)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(kids).toContain(rs256!.kid);
    expect(decodeProtectedHeader(await idToken()).kid).toBe(rs256!.kid);
  });

  it('refresh does nothing when the keys did not change', async () => {
    expect(await sesame.providers.refresh()).toBe(false);
  });
});

describe('a wrong SESAME_SECRET', () => {
  it('stops start-up with a message naming SESAME_SECRET, not a crash', async () => {
    const wrong = loadConfig({ ...database.env, PORT: '0', HOST: '127.0.0.1', SESAME_SECRET: randomBytes(32).toString('base64url') });
    await sesame.close();
    try {
      await expect(startSesame(wrong, createLogger('silent'))).rejects.toThrow(/SESAME_SECRET does not match/);
      // The real process stops with exit code 1 and the message, not a crash.
      const run = await spawnSesame({ ...database.env, PORT: '0', HOST: '127.0.0.1', SESAME_SECRET: wrong.secret! }, 'start');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('SESAME_SECRET does not match');
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      // The CLI says the same for commands that open keys, and never half-writes anything.
      const rotate = await sesameCli({ ...database.env, SESAME_SECRET: wrong.secret! }, 'keys', 'rotate');
      expect(rotate.code).not.toBe(0);
      expect(rotate.stderr).toContain('SESAME_SECRET');
      expect(rotate.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      // The right secret still works afterwards.
      sesame = await startSesame(config, createLogger('silent'));
    }
    const keys = await sesame.db.selectFrom('keys').select('private_jwe').execute();
    for (const key of keys) await expect(sesame.sealer.open(key.private_jwe)).resolves.toBeTruthy();
  });
});

import { randomUUID, createHash } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, calculateJwkThumbprint } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame, type Sesame } from '../src/server.ts';
import { giveRole } from './support/consent.ts';
import { testDatabaseKind } from './support/database.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * DPoP (RFC 9449) with oauth4webapi as the app: tokens bound to the app's key, refresh tokens of a public client
 * bound too, DPoP-Nonce, and what an attacker tries — a stolen token without the key, another key, a replayed or
 * misdirected proof — on one node and across two nodes sharing the database.
 */
const redirectUri = 'https://dpop.example.com/callback';
const api = { name: 'Files API', indicator: 'https://files.example.com/', scopes: ['read:files'] };
const insecure = { [oauth.allowInsecureRequests]: true } as const;

let sesame: TestSesame;
let as: oauth.AuthorizationServer;
let spa: oauth.Client;
let person: { id: string; login: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser();
  person = { id: user.id, login: user.username, password: user.password };
  await giveRole(sesame, user.id, api, ['read:files']);
  const app = await sesame.createApp({ name: 'DPoP SPA', type: 'spa', redirect_uris: [redirectUri] });
  spa = { client_id: app.clientId };
  const issuer = new URL(sesame.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
});
afterAll(async () => sesame?.stop());

/** Runs a request, and once more when the server asks for a DPoP nonce (the handle keeps the nonce it was sent). */
async function withNonce<T>(request: () => Promise<Response>, process: (response: Response) => Promise<T>): Promise<{ result: T; askedForNonce: boolean }> {
  try {
    return { result: await process(await request()), askedForNonce: false };
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return { result: await process(await request()), askedForNonce: true };
  }
}

/** Signs the person in and redeems the code with DPoP proofs signed by `keys`. */
async function codeFlow(keys: CryptoKeyPair, params: Record<string, string> = {}, options: { fetch?: typeof fetch } = {}) {
  const DPoP = oauth.DPoP(spa, keys);
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  for (const [name, value] of Object.entries({
    client_id: spa.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile offline_access',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...params,
  })) url.searchParams.set(name, value);
  const callback = await new UserAgent(sesame.url).authorize(url.toString(), person);
  const callbackParams = oauth.validateAuthResponse(as, spa, callback, oauth.expectNoState);
  const fetchOption = options.fetch ? { [oauth.customFetch]: options.fetch } : {};
  const { result: tokens, askedForNonce } = await withNonce(
    () => oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), callbackParams, redirectUri, verifier, { ...insecure, ...fetchOption, DPoP }),
    (response) => oauth.processAuthorizationCodeResponse(as, spa, response),
  );
  return { tokens, DPoP, askedForNonce };
}

const key = () => oauth.generateKeyPair('ES256');

/** A proof made by hand, for what a client library would never send. */
async function proof(keys: CryptoKeyPair, claims: { htm: string; htu: string; accessToken?: string; nonce?: string; jti?: string; iat?: number }) {
  const jwk = await exportJWK(keys.publicKey);
  return new SignJWT({
    htm: claims.htm,
    htu: claims.htu,
    jti: claims.jti ?? randomUUID(),
    ...(claims.accessToken ? { ath: createHash('sha256').update(claims.accessToken).digest('base64url') } : {}),
    ...(claims.nonce ? { nonce: claims.nonce } : {}),
  }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt(claims.iat).sign(keys.privateKey);
}

const userinfo = (accessToken: string, dpop: string, base = sesame.url) => fetch(`${base}/oidc/me`, {
  headers: { authorization: `DPoP ${accessToken}`, dpop },
});

async function thumbprint(keys: CryptoKeyPair) {
  return calculateJwkThumbprint(await exportJWK(keys.publicKey));
}

describe('an app that uses DPoP', () => {
  it('gets DPoP-bound tokens after the nonce the server asks a public client for, reads userinfo and refreshes with its key', async () => {
    const keys = await key();
    const { tokens, DPoP, askedForNonce } = await codeFlow(keys);
    expect(askedForNonce).toBe(true);
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.refresh_token).toBeTruthy();

    const info = await withNonce(
      () => oauth.userInfoRequest(as, spa, tokens.access_token, { ...insecure, DPoP }),
      (response) => oauth.processUserInfoResponse(as, spa, person.id, response),
    );
    expect(info.result.sub).toBe(person.id);

    const refreshed = await withNonce(
      () => oauth.refreshTokenGrantRequest(as, spa, oauth.None(), tokens.refresh_token!, { ...insecure, DPoP }),
      (response) => oauth.processRefreshTokenResponse(as, spa, response),
    );
    expect(refreshed.result.token_type).toBe('dpop');
    expect(refreshed.result.refresh_token).not.toBe(tokens.refresh_token);
    const again = await oauth.processUserInfoResponse(as, spa, person.id, await oauth.userInfoRequest(as, spa, refreshed.result.access_token, { ...insecure, DPoP }));
    expect(again.sub).toBe(person.id);
  });

  it('gets a JWT for an API that carries the key\'s thumbprint (cnf.jkt), and introspection reports it', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    const second = await codeFlowForResource(keys);
    expect(decodeJwt(second.access_token)).toMatchObject({ aud: api.indicator, scope: 'read:files', cnf: { jkt: await thumbprint(keys) } });

    const introspected = await fetch(as.introspection_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: spa.client_id, token: tokens.access_token }),
    });
    const body = await introspected.json() as { active: boolean; token_type?: string; cnf?: { jkt?: string } };
    expect(body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await thumbprint(keys) } });
  });

  it('refuses a bound access token presented as a Bearer token, or with a proof of another key', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    const bearer = await fetch(`${sesame.url}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(bearer.status).toBe(401);
    const other = await userinfo(tokens.access_token, await proof(await key(), { htm: 'GET', htu: `${sesame.url}/oidc/me`, accessToken: tokens.access_token }));
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toMatch(/invalid_token/);
    const right = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu: `${sesame.url}/oidc/me`, accessToken: tokens.access_token }));
    expect(right.status).toBe(200);
  });

  it('refuses to refresh a public client\'s token with another key, or with none', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    const refresh = async (dpop?: string) => {
      const response = await fetch(as.token_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop ? { dpop } : {}) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: spa.client_id }),
      });
      return { status: response.status, body: await response.json() as { error?: string; error_description?: string }, nonce: response.headers.get('dpop-nonce') };
    };
    const withoutProof = await refresh();
    expect(withoutProof.body.error).toBe('invalid_grant');
    const first = await refresh(await proof(await key(), { htm: 'POST', htu: as.token_endpoint! }));
    expect(first.body.error).toBe('use_dpop_nonce');
    const otherKey = await refresh(await proof(await key(), { htm: 'POST', htu: as.token_endpoint!, nonce: first.nonce! }));
    expect(otherKey.body.error).toBe('invalid_grant');
    // The token was not spent by the refused attempts: the app's own key still refreshes it.
    const own = await refresh(await proof(keys, { htm: 'POST', htu: as.token_endpoint!, nonce: first.nonce! }));
    expect(own.status).toBe(200);
  });

  it('refuses a proof used twice, for the wrong method or the wrong URL, or too old, with the nonce to use', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    const htu = `${sesame.url}/oidc/me`;
    const once = await proof(keys, { htm: 'GET', htu, accessToken: tokens.access_token });
    expect((await userinfo(tokens.access_token, once)).status).toBe(200);
    const replayed = await userinfo(tokens.access_token, once);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const post = await userinfo(tokens.access_token, await proof(keys, { htm: 'POST', htu, accessToken: tokens.access_token }));
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toMatch(/invalid_dpop_proof.*htm/);
    const elsewhere = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu: `${sesame.url}/oidc/token`, accessToken: tokens.access_token }));
    expect(elsewhere.headers.get('www-authenticate')).toMatch(/invalid_dpop_proof.*htu/);
    const otherHost = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu: 'https://evil.example/oidc/me', accessToken: tokens.access_token }));
    expect(otherHost.headers.get('www-authenticate')).toMatch(/htu/);
    const otherToken = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu, accessToken: 'another token' }));
    expect(otherToken.headers.get('www-authenticate')).toMatch(/ath/);

    const old = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu, accessToken: tokens.access_token, iat: Math.floor(Date.now() / 1000) - 3600 }));
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toMatch(/use_dpop_nonce/);
    const nonce = old.headers.get('dpop-nonce')!;
    expect(nonce).toBeTruthy();
    const withNonceProof = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu, accessToken: tokens.access_token, nonce, iat: Math.floor(Date.now() / 1000) - 3600 }));
    expect(withNonceProof.status).toBe(200);
    const forged = await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu, accessToken: tokens.access_token, nonce: 'A'.repeat(43) }));
    expect(forged.headers.get('www-authenticate')).toMatch(/use_dpop_nonce/);
  });

  it('accepts a proof sent several times at once exactly once', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    const once = await proof(keys, { htm: 'GET', htu: `${sesame.url}/oidc/me`, accessToken: tokens.access_token });
    const statuses = await Promise.all(Array.from({ length: 4 }, async () => (await userinfo(tokens.access_token, once)).status));
    expect(statuses.sort()).toEqual([200, 401, 401, 401]);
  });

  it('keeps a proof\'s jti as long as the proof could be accepted, even one dated in the future', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    // The engine takes proofs dated up to five minutes either side of now, without a nonce.
    const iat = Math.floor(Date.now() / 1000) + 280;
    const jti = randomUUID();
    expect((await userinfo(tokens.access_token, await proof(keys, { htm: 'GET', htu: `${sesame.url}/oidc/me`, accessToken: tokens.access_token, iat, jti }))).status).toBe(200);
    const id = createHash('sha256').update(`${spa.client_id}${jti}`).digest('base64url');
    const row = await sesame.sesame.db.selectFrom('oidc_models').select('expires_at')
      .where('model', '=', 'ReplayDetection').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.expires_at!.getTime()).toBeGreaterThanOrEqual((iat + 300) * 1000);
  });

  it('refuses a code bound to a key at the authorization request (dpop_jkt) when redeemed with another', async () => {
    const keys = await key();
    await expect(codeFlow(await key(), { dpop_jkt: await thumbprint(keys) })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('discovery names the proof algorithms', async () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });
});

/** The code exchanged for the API's token directly (RFC 8707 `resource` at the token endpoint). */
async function codeFlowForResource(keys: CryptoKeyPair) {
  const DPoP = oauth.DPoP(spa, keys);
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  for (const [name, value] of Object.entries({
    client_id: spa.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid read:files', resource: api.indicator,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })) url.searchParams.set(name, value);
  const callback = await new UserAgent(sesame.url).authorize(url.toString(), person);
  const params = oauth.validateAuthResponse(as, spa, callback, oauth.expectNoState);
  const { result } = await withNonce(
    () => oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), params, redirectUri, verifier, { ...insecure, DPoP, additionalParameters: { resource: api.indicator } }),
    (response) => oauth.processAuthorizationCodeResponse(as, spa, response),
  );
  return result;
}

describe('an app that must use DPoP (dpop_bound_access_tokens)', () => {
  it('is set through the Management API, and then a token request without a proof is refused', async () => {
    const token = await managementToken(sesame);
    const api = apiClient(sesame, token);
    const created = await api('POST', '/api/applications', { name: 'Strict', type: 'traditional', redirect_uris: [redirectUri] });
    expect(created.body.dpop_bound_access_tokens).toBe(false);
    const changed = await api('PATCH', `/api/applications/${created.body.id}`, { dpop_bound_access_tokens: true });
    expect(changed.status).toBe(200);
    expect(changed.body.dpop_bound_access_tokens).toBe(true);
    expectProblem(await api('PATCH', `/api/applications/${created.body.id}`, { dpop_bound_access_tokens: 'yes' }), 400, 'request.invalid');

    const app: oauth.Client = { client_id: created.body.id };
    const auth = oauth.ClientSecretBasic(created.body.client_secret);
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    for (const [name, value] of Object.entries({
      client_id: app.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })) url.searchParams.set(name, value);
    const agent = new UserAgent(sesame.url);
    const callback = oauth.validateAuthResponse(as, app, await agent.authorize(url.toString(), person), oauth.expectNoState);
    const refused = await oauth.authorizationCodeGrantRequest(as, app, auth, callback, redirectUri, verifier, insecure);
    expect(refused.status).toBe(400);
    expect((await refused.json() as { error: string }).error).toBe('invalid_grant');
    // The same code with a proof: refused above for the missing proof alone. A confidential app is not asked for a nonce.
    const keys = await key();
    const bound = await oauth.processAuthorizationCodeResponse(as, app,
      await oauth.authorizationCodeGrantRequest(as, app, auth, callback, redirectUri, verifier, { ...insecure, DPoP: oauth.DPoP(app, keys) }));
    expect(bound.token_type).toBe('dpop');
    const introspected = await fetch(as.introspection_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.client_id}:${created.body.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ token: bound.access_token }),
    });
    expect(await introspected.json()).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await thumbprint(keys) } });
  });
});

describe.skipIf(testDatabaseKind !== 'postgres')('across two nodes sharing the database', () => {
  let b: Sesame;
  let bUrl: string;
  /** The load balancer: requests for the issuer's URL go to node B. */
  const toB: typeof fetch = (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(sesame.url, bUrl), init);

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'silent', ...sesame.database.env, SESAME_ISSUER: sesame.url });
    b = await startSesame(config, createLogger('silent'));
    bUrl = `http://127.0.0.1:${b.port}`;
  });
  afterAll(async () => b?.close());

  it('node B accepts the nonce node A issued, and the tokens node A bound', async () => {
    const keys = await key();
    const { tokens, DPoP } = await codeFlow(keys);
    // The handle keeps the nonce node A sent with the token response; node B takes it without asking again.
    const refreshed = await oauth.processRefreshTokenResponse(as, spa,
      await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), tokens.refresh_token!, { ...insecure, DPoP, [oauth.customFetch]: toB }));
    expect(refreshed.token_type).toBe('dpop');
    const info = await oauth.processUserInfoResponse(as, spa, person.id,
      await oauth.userInfoRequest(as, spa, refreshed.access_token, { ...insecure, DPoP, [oauth.customFetch]: toB }));
    expect(info.sub).toBe(person.id);
  });

  it('refuses on node B a proof node A accepted', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    const once = await proof(keys, { htm: 'GET', htu: `${sesame.url}/oidc/me`, accessToken: tokens.access_token });
    expect((await userinfo(tokens.access_token, once)).status).toBe(200);
    const replayed = await userinfo(tokens.access_token, once, bUrl);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('accepts a proof sent to both nodes at once exactly once', async () => {
    const keys = await key();
    const { tokens } = await codeFlow(keys);
    for (let round = 0; round < 5; round++) {
      const once = await proof(keys, { htm: 'GET', htu: `${sesame.url}/oidc/me`, accessToken: tokens.access_token });
      const statuses = await Promise.all([
        userinfo(tokens.access_token, once), userinfo(tokens.access_token, once, bUrl),
        userinfo(tokens.access_token, once), userinfo(tokens.access_token, once, bUrl),
      ].map(async (request) => (await request).status));
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    }
  });
});

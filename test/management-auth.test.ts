import * as client from 'openid-client';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';
import {
  apiClient, clientCredentials, createManagementApp, managementToken, expectProblem, signWithSesameKey,
} from './support/management.ts';

let sesame: TestSesame;
let app: { clientId: string; clientSecret: string };
let token: string;

beforeAll(async () => {
  sesame = await startTestSesame();
  app = await createManagementApp(sesame);
  token = await managementToken(sesame, app);
});
afterAll(async () => sesame?.stop());

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('obtaining a Management API token', () => {
  it('issues an RFC 9068 JWT for the Management API to an m2m app granted management access', () => {
    expect(headerOf(token).typ).toBe('at+jwt');
    expect(claimsOf(token)).toMatchObject({
      iss: sesame.url, aud: `${sesame.url}/api`, scope: 'management', client_id: app.clientId, sub: app.clientId,
    });
  });

  it('uses the token to call the API', async () => {
    const response = await apiClient(sesame, token)('GET', '/api/applications');
    expect(response.status).toBe(200);
    expect(response.body.data.map((a: { id: string }) => a.id)).toContain(app.clientId);
  });

  it('works with a standard client library (openid-client) and client_secret_post', async () => {
    const config = await client.discovery(new URL(sesame.url), app.clientId, app.clientSecret, client.ClientSecretPost(app.clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config, { resource: `${sesame.url}/api`, scope: 'management' });
    expect(tokens.scope).toBe('management');
    expect((await apiClient(sesame, tokens.access_token)('GET', '/api/users')).status).toBe(200);
  });

  it('defaults the resource to the Management API when client credentials ask for the management scope', async () => {
    const response = await clientCredentials(sesame, app, { scope: 'management' });
    const body = await response.json() as { access_token: string };
    expect(response.status).toBe(200);
    expect(claimsOf(body.access_token).aud).toBe(`${sesame.url}/api`);
    expect((await apiClient(sesame, body.access_token)('GET', '/api/users')).status).toBe(200);
  });

  it('refuses an unknown resource indicator at the token endpoint', async () => {
    const response = await clientCredentials(sesame, app, { resource: 'https://api.example.com/', scope: 'management' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_target' });
  });
});

describe('refused tokens', () => {
  it('401 without a token, with a challenge', async () => {
    const response = await apiClient(sesame)('GET', '/api/applications');
    expectProblem(response, 401, 'auth.missing_token');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('401 with a malformed Authorization header', async () => {
    expectProblem(await apiClient(sesame)('GET', '/api/applications', undefined, { authorization: 'Basic abc' }), 401, 'auth.invalid_token');
    expectProblem(await apiClient(sesame)('GET', '/api/applications', undefined, { authorization: 'Bearer' }), 401, 'auth.invalid_token');
  });

  it('401 for plain client credentials without a resource (an opaque token for no API)', async () => {
    const response = await clientCredentials(sesame, app);
    const body = await response.json() as { access_token: string };
    expect(response.status).toBe(200);
    const refused = await apiClient(sesame, body.access_token)('GET', '/api/applications');
    expectProblem(refused, 401, 'auth.invalid_token');
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('no management scope for an m2m app without management access: refused at the token endpoint, 403 at the API', async () => {
    const other = await sesame.createApp({ name: 'No access', type: 'm2m' });
    const credentials = { clientId: other.clientId, clientSecret: other.clientSecret! };
    // Asked for, it cannot be granted, and a response without `scope` would say it was (RFC 6749 §5.1).
    const asked = await clientCredentials(sesame, credentials, { resource: `${sesame.url}/api`, scope: 'management' });
    expect(asked.status).toBe(400);
    expect(await asked.json()).toMatchObject({ error: 'invalid_scope' });

    const response = await clientCredentials(sesame, credentials, { resource: `${sesame.url}/api` });
    const body = await response.json() as { access_token: string; scope?: string };
    expect(response.status).toBe(200);
    expect(body.scope).toBeUndefined();
    const refused = await apiClient(sesame, body.access_token)('GET', '/api/applications');
    expectProblem(refused, 403, 'auth.insufficient_scope');
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
  });

  it("401 for a user's access token from the authorization code flow", async () => {
    const user = await sesame.createUser({ admin: true });
    const redirectUri = 'https://app.example.com/callback';
    const web = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirectUri] });
    const config = await client.discovery(new URL(sesame.url), web.clientId, web.clientSecret, client.ClientSecretBasic(web.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await new UserAgent(sesame.url).authorize(url.toString(), { login: user.username, password: user.password });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    expectProblem(await apiClient(sesame, tokens.access_token)('GET', '/api/users'), 401, 'auth.invalid_token');
    // The ID token is a JWT from the same issuer and keys, but not an access token for the API.
    expectProblem(await apiClient(sesame, tokens.id_token!)('GET', '/api/users'), 401, 'auth.invalid_token');
  });

  it('401 for an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signWithSesameKey(sesame, {
      iss: sesame.url, aud: `${sesame.url}/api`, scope: 'management', client_id: app.clientId, sub: app.clientId,
      iat: now - 7200, exp: now - 60, jti: 'expired',
    });
    expectProblem(await apiClient(sesame, expired)('GET', '/api/applications'), 401, 'auth.token_expired');
  });

  it('401 for another audience, another issuer, or a token that is not typed at+jwt', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: sesame.url, aud: `${sesame.url}/api`, scope: 'management', client_id: app.clientId, sub: app.clientId, iat: now, exp: now + 600, jti: 'x' };
    const call = async (jwt: string) => apiClient(sesame, jwt)('GET', '/api/applications');
    expect((await call(await signWithSesameKey(sesame, claims))).status).toBe(200);
    expectProblem(await call(await signWithSesameKey(sesame, { ...claims, aud: 'https://api.example.com' })), 401, 'auth.invalid_token');
    expectProblem(await call(await signWithSesameKey(sesame, { ...claims, aud: sesame.url })), 401, 'auth.invalid_token');
    expectProblem(await call(await signWithSesameKey(sesame, { ...claims, iss: 'https://evil.example' })), 401, 'auth.invalid_token');
    expectProblem(await call(await signWithSesameKey(sesame, claims, { typ: 'JWT' })), 401, 'auth.invalid_token');
  });

  it('401 for a token signed by a key that is not Sesame’s', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ scope: 'management', client_id: app.clientId })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: headerOf(token).kid as string })
      .setIssuer(sesame.url).setAudience(`${sesame.url}/api`).setSubject(app.clientId).setIssuedAt(now).setExpirationTime(now + 600)
      .sign(privateKey);
    expectProblem(await apiClient(sesame, forged)('GET', '/api/applications'), 401, 'auth.invalid_token');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${token.split('.')[1]}.`;
    expectProblem(await apiClient(sesame, unsigned)('GET', '/api/applications'), 401, 'auth.invalid_token');
  });

  it('403 once an admin withdraws the app’s management access, for tokens already issued', async () => {
    const other = await createManagementApp(sesame, 'Soon withdrawn');
    const otherToken = await managementToken(sesame, other);
    expect((await apiClient(sesame, otherToken)('GET', '/api/users')).status).toBe(200);
    const patched = await apiClient(sesame, token)('PATCH', `/api/applications/${other.clientId}`, { management_access: false });
    expect(patched.status).toBe(200);
    expectProblem(await apiClient(sesame, otherToken)('GET', '/api/users'), 403, 'auth.access_withdrawn');
  });
});

describe('keys', () => {
  it('accepts tokens signed before and after a key rotation', async () => {
    const before = await managementToken(sesame, app);
    const { rotateKeys } = await import('../src/keys/key-store.ts');
    await rotateKeys(sesame.sesame.db, sesame.sesame.sealer);
    await sesame.sesame.providers.refresh();
    const after = await managementToken(sesame, app);
    expect(headerOf(after).kid).not.toBe(headerOf(before).kid);
    expect((await apiClient(sesame, before)('GET', '/api/users')).status).toBe(200);
    expect((await apiClient(sesame, after)('GET', '/api/users')).status).toBe(200);
  });

  it('accepts a token signed with a key another node rotated in before this node noticed', async () => {
    const { rotateKeys } = await import('../src/keys/key-store.ts');
    await rotateKeys(sesame.sesame.db, sesame.sesame.sealer);
    // This node has not refreshed: a token signed with the new key (as another node would) still verifies.
    const now = Math.floor(Date.now() / 1000);
    const fresh = await signWithSesameKey(sesame, {
      iss: sesame.url, aud: `${sesame.url}/api`, scope: 'management', client_id: app.clientId, sub: app.clientId, iat: now, exp: now + 600, jti: 'n',
    });
    expect((await apiClient(sesame, fresh)('GET', '/api/users')).status).toBe(200);
  });
});

describe('who may hold management access', () => {
  /** Signs `user` in to a first-party SPA (like the console) asking for the Management API; returns the access token. */
  async function signInForManagement(user: { username: string; password: string }, managementAccess: boolean) {
    const redirectUri = 'http://127.0.0.1:5173/callback';
    const spa = await sesame.createApp({ name: 'Console', type: 'spa', redirect_uris: [redirectUri], management_access: managementAccess });
    const config = await client.discovery(new URL(sesame.url), spa.clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid profile management', resource: `${sesame.url}/api`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const callback = await new UserAgent(sesame.url).authorize(url.toString(), { login: user.username, password: user.password });
    return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }, { resource: `${sesame.url}/api` });
  }

  it('gives an admin signing in to a first-party app with management access a Management API token', async () => {
    const admin = await sesame.createUser({ admin: true });
    const tokens = await signInForManagement(admin, true);
    expect(claimsOf(tokens.access_token)).toMatchObject({ aud: `${sesame.url}/api`, scope: 'management', sub: admin.id });
    expect((await apiClient(sesame, tokens.access_token)('GET', '/api/users')).status).toBe(200);
  });

  it('never gives the scope to a non-admin, nor to an admin through an app without management access', async () => {
    const user = await sesame.createUser();
    const asUser = await signInForManagement(user, true);
    expect(claimsOf(asUser.access_token).scope).toBeUndefined();
    // The console shows its "not an admin" page on this code.
    expectProblem(await apiClient(sesame, asUser.access_token)('GET', '/api/users'), 403, 'auth.not_admin');

    const admin = await sesame.createUser({ admin: true });
    const viaOtherApp = await signInForManagement(admin, false);
    expect(claimsOf(viaOtherApp.access_token).scope).toBeUndefined();
    expectProblem(await apiClient(sesame, viaOtherApp.access_token)('GET', '/api/users'), 403, 'auth.insufficient_scope');
  });

  it("withdraws an admin's token when they stop being an admin", async () => {
    const admin = await sesame.createUser({ admin: true });
    const tokens = await signInForManagement(admin, true);
    expect((await apiClient(sesame, tokens.access_token)('GET', '/api/users')).status).toBe(200);
    expect((await apiClient(sesame, token)('PATCH', `/api/users/${admin.id}`, { is_admin: false })).status).toBe(200);
    expectProblem(await apiClient(sesame, tokens.access_token)('GET', '/api/users'), 403, 'auth.not_admin');
  });

  it('refuses management access for a third-party app', async () => {
    const response = await apiClient(sesame, token)('POST', '/api/applications', {
      name: 'Partner', type: 'spa', third_party: true, management_access: true, redirect_uris: ['https://partner.example.com/cb'],
    });
    expectProblem(response, 422, 'application.invalid');
    expect(response.body.errors).toContainEqual({ pointer: '/management_access', detail: expect.any(String) });
  });
});

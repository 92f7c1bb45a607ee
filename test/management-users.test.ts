import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';
import { apiClient, managementToken, expectProblem, type ApiResponse } from './support/management.ts';

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

const noHash = (response: ApiResponse) => expect(JSON.stringify(response.body)).not.toMatch(/password|argon2/);

/** Signs in through a first-party app; resolves to the callback URL or rejects when sign-in fails. */
async function signIn(login: string, password: string) {
  const redirectUri = 'https://app.example.com/callback';
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirectUri] });
  const config = await client.discovery(new URL(sesame.url), app.clientId, app.clientSecret, client.ClientSecretBasic(app.clientSecret!), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid offline_access', prompt: 'consent',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const callback = await new UserAgent(sesame.url).authorize(url.toString(), { login, password });
  return { config, tokens: await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }) };
}

describe('create and get', () => {
  it('creates a user and never returns a password hash', async () => {
    const response = await api('POST', '/api/users', { username: 'grace', password: 'a long passphrase', email: 'grace@example.com', name: 'Grace Hopper' });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/api/users/${response.body.id}`);
    expect(response.body).toMatchObject({ username: 'grace', email: 'grace@example.com', name: 'Grace Hopper', is_admin: false, suspended: false, email_verified: false });
    noHash(response);
    const fetched = await api('GET', `/api/users/${response.body.id}`);
    expect(fetched.body).toEqual(response.body);
    noHash(fetched);
  });

  it('400 for invalid input, 409 for a taken username or email, 404 for an unknown user', async () => {
    const bad = await api('POST', '/api/users', { username: 'has space', password: 'short', email: 'not-an-email' });
    expectProblem(bad, 400, 'request.invalid');
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/email', '/password', '/username']);
    expectProblem(await api('POST', '/api/users', { username: 'x', password: 'long enough', password_hash: 'x' }), 400, 'request.invalid');
    expectProblem(await api('POST', '/api/users', { username: 'GRACE', password: 'a long passphrase' }), 409, 'user.exists');
    expectProblem(await api('POST', '/api/users', { username: 'grace2', password: 'a long passphrase', email: 'Grace@example.com' }), 409, 'user.exists');
    for (const [method, path, body] of [
      ['GET', '/api/users/u_nope'], ['PATCH', '/api/users/u_nope', { name: 'x' }], ['DELETE', '/api/users/u_nope'],
      ['POST', '/api/users/u_nope/suspend'], ['POST', '/api/users/u_nope/unsuspend'], ['PUT', '/api/users/u_nope/password', { password: 'a long passphrase' }],
    ] as const) {
      expectProblem(await api(method, path, body), 404, 'user.not_found');
    }
  });
});

describe('list', () => {
  it('searches username, email and name, filters, and pages', async () => {
    for (const name of ['Search One', 'Search Two', 'Search Three']) {
      const username = name.toLowerCase().replace(' ', '_');
      expect((await api('POST', '/api/users', { username, password: 'a long passphrase', name, email: `${username}@search.example` })).status).toBe(201);
    }
    const all = await api('GET', '/api/users?q=search');
    expect(all.body.total).toBe(3);
    expect(all.body.data.map((u: { name: string }) => u.name)).toEqual(['Search Three', 'Search Two', 'Search One']);
    all.body.data.forEach((u: unknown) => expect(JSON.stringify(u)).not.toContain('password'));
    expect((await api('GET', '/api/users?q=SEARCH.EXAMPLE')).body.total).toBe(3);
    expect((await api('GET', '/api/users?q=search_two')).body.total).toBe(1);
    const page = await api('GET', '/api/users?q=search&limit=2&offset=1');
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.body.data.map((u: { name: string }) => u.name)).toEqual(['Search Two', 'Search One']);
    const first = await api('GET', '/api/users?q=search&limit=2');
    const next = await api('GET', `/api/users?q=search&limit=2&cursor=${first.body.next_cursor}`);
    expect(next.body.data.map((u: { name: string }) => u.name)).toEqual(['Search One']);
    expect((await api('GET', '/api/users?is_admin=true&q=search')).body.total).toBe(0);
    expectProblem(await api('GET', '/api/users?limit=1000'), 400, 'request.invalid');
  });
});

describe('update', () => {
  it('updates standard claims and clears them with null', async () => {
    const { body: user } = await api('POST', '/api/users', { username: 'claims', password: 'a long passphrase', email: 'claims@example.com' });
    const response = await api('PATCH', `/api/users/${user.id}`, {
      given_name: 'Ada', family_name: 'Lovelace', nickname: 'ada', locale: 'en-GB', zoneinfo: 'Europe/London',
      website: 'https://ada.example.com', birthdate: '1815-12-10', phone_number: '+44 20 7946 0000', phone_number_verified: true,
      address: { locality: 'London', country: 'UK' }, email: 'ada@example.com', email_verified: true,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      given_name: 'Ada', family_name: 'Lovelace', locale: 'en-GB', address: { locality: 'London', country: 'UK' },
      email: 'ada@example.com', email_verified: true, phone_number_verified: true,
    });
    const cleared = await api('PATCH', `/api/users/${user.id}`, { nickname: null, address: null, email: 'other@example.com' });
    expect(cleared.body).toMatchObject({ nickname: null, address: null, given_name: 'Ada', email: 'other@example.com', email_verified: false });
    noHash(cleared);
  });

  it('400 for bad values and unknown fields, 409 for a taken username', async () => {
    const { body: user } = await api('POST', '/api/users', { username: 'badvalues', password: 'a long passphrase' });
    const response = await api('PATCH', `/api/users/${user.id}`, { website: 'javascript:alert(1)', birthdate: 'yesterday', suspended: false });
    expectProblem(response, 400, 'request.invalid');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/birthdate', '/suspended', '/website']);
    expectProblem(await api('PATCH', `/api/users/${user.id}`, { username: 'grace' }), 409, 'user.exists');
  });
});

describe('suspend, password, delete', () => {
  it('suspending ends sign-in and refresh at once; unsuspending restores sign-in', async () => {
    const { body: user } = await api('POST', '/api/users', { username: 'suspendme', password: 'a long passphrase' });
    const { config, tokens } = await signIn('suspendme', 'a long passphrase');
    const suspended = await api('POST', `/api/users/${user.id}/suspend`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.suspended).toBe(true);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
    await expect(signIn('suspendme', 'a long passphrase')).rejects.toThrow();
    expect((await api('GET', '/api/users?suspended=true&q=suspendme')).body.total).toBe(1);
    const lifted = await api('POST', `/api/users/${user.id}/unsuspend`);
    expect(lifted.body.suspended).toBe(false);
    await expect(signIn('suspendme', 'a long passphrase')).resolves.toBeTruthy();
  });

  it('sets a password: the old one stops working, the new one works', async () => {
    const { body: user } = await api('POST', '/api/users', { username: 'newpass', password: 'the old passphrase' });
    const { config, tokens } = await signIn('newpass', 'the old passphrase');
    expectProblem(await api('PUT', `/api/users/${user.id}/password`, { password: 'short' }), 400, 'request.invalid');
    const response = await api('PUT', `/api/users/${user.id}/password`, { password: 'the new passphrase' });
    expect(response.status).toBe(204);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
    await expect(signIn('newpass', 'the old passphrase')).rejects.toThrow();
    await expect(signIn('newpass', 'the new passphrase')).resolves.toBeTruthy();
  });

  it('deletes a user', async () => {
    const { body: user } = await api('POST', '/api/users', { username: 'deleteme', password: 'a long passphrase' });
    expect((await api('DELETE', `/api/users/${user.id}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/users/${user.id}`), 404, 'user.not_found');
    await expect(signIn('deleteme', 'a long passphrase')).rejects.toThrow();
  });

  it('keeps the last active admin: 409 on demoting, suspending or deleting them', async () => {
    const { body: admin } = await api('POST', '/api/users', { username: 'onlyadmin', password: 'a long passphrase', is_admin: true });
    expect(admin.is_admin).toBe(true);
    expectProblem(await api('PATCH', `/api/users/${admin.id}`, { is_admin: false }), 409, 'user.last_admin');
    expectProblem(await api('POST', `/api/users/${admin.id}/suspend`), 409, 'user.last_admin');
    expectProblem(await api('DELETE', `/api/users/${admin.id}`), 409, 'user.last_admin');
    const { body: second } = await api('POST', '/api/users', { username: 'secondadmin', password: 'a long passphrase', is_admin: true });
    expect((await api('PATCH', `/api/users/${admin.id}`, { is_admin: false })).status).toBe(200);
    expectProblem(await api('DELETE', `/api/users/${second.id}`), 409, 'user.last_admin');
  });
});

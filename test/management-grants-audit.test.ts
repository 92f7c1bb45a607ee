import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken, expectProblem } from './support/management.ts';
import { expectOAuthError, isActive, relyingParty, signIn, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/** An admin lists and revokes a user's grants; the audit trail shows it. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let web: RelyingParty;
let other: RelyingParty;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const webApp = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  web = await relyingParty(sesame, webApp, 'https://web.example.com/cb');
  const otherApp = await sesame.createApp({ name: 'Other', type: 'traditional', redirect_uris: ['https://other.example.com/cb'] });
  other = await relyingParty(sesame, otherApp, 'https://other.example.com/cb');
});
afterAll(async () => sesame?.stop());

async function signInOffline(rp: RelyingParty, user: { username: string; password: string }) {
  const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login: user.username, password: user.password }, { scope: 'openid profile offline_access' });
  expect(tokens.refresh_token).toBeTruthy();
  return tokens as typeof tokens & { refresh_token: string };
}

describe('grants', () => {
  it('lists a user\'s grants per app', async () => {
    const user = await sesame.createUser();
    const before = Math.floor(Date.now() / 1000) - 1;
    await signInOffline(web, user);
    await signInOffline(other, user);

    const response = await api('GET', `/api/users/${user.id}/grants`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const byApp = Object.fromEntries(response.body.data.map((g: { client_id: string }) => [g.client_id, g]));
    expect(Object.keys(byApp).sort()).toEqual([web.clientId, other.clientId].sort());
    expect(byApp[web.clientId]).toEqual({
      client_id: web.clientId,
      application_name: 'Web',
      third_party: false,
      user_scopes: expect.arrayContaining(['openid', 'profile', 'offline_access']),
      resource_scopes: [],
      granted_at: expect.any(String),
      // It holds no JWT for an API: revoking it stops everything it holds at once.
      revocation_bound_seconds: 0,
    });
    expect(Date.parse(byApp[web.clientId].granted_at) / 1000).toBeGreaterThanOrEqual(before);
  });

  it('lists nothing for a user without grants, and 404 for an unknown user', async () => {
    const user = await sesame.createUser();
    expect((await api('GET', `/api/users/${user.id}/grants`)).body).toEqual({ data: [] });
    expectProblem(await api('GET', '/api/users/u_nobody/grants'), 404, 'user.not_found');
  });

  it('revoking a grant kills that app\'s refresh and access tokens at once, and no other app\'s', async () => {
    const user = await sesame.createUser();
    const webTokens = await signInOffline(web, user);
    const otherTokens = await signInOffline(other, user);
    expect(await isActive(web, webTokens.refresh_token)).toBe(true);

    const revoked = await api('DELETE', `/api/users/${user.id}/grants/${web.clientId}`, undefined, { 'user-agent': 'grants-test-admin' });
    expect(revoked.status).toBe(204);

    await expectOAuthError(client.refreshTokenGrant(web.config, webTokens.refresh_token), 'invalid_grant');
    expect(await isActive(web, webTokens.access_token)).toBe(false);
    expect(await userinfoStatus(web, webTokens.access_token)).toBe(401);
    // The user's grant for the other app is untouched.
    const refreshed = await client.refreshTokenGrant(other.config, otherTokens.refresh_token);
    expect(await userinfoStatus(other, refreshed.access_token)).toBe(200);

    const remaining = await api('GET', `/api/users/${user.id}/grants`);
    expect(remaining.body.data.map((g: { client_id: string }) => g.client_id)).toEqual([other.clientId]);
    expectProblem(await api('DELETE', `/api/users/${user.id}/grants/${web.clientId}`), 404, 'grant.not_found');

    // The revocation is on the audit trail, with who did it and from where.
    const events = await api('GET', `/api/audit-events?type=consent.revoked&user_id=${user.id}`);
    expect(events.status).toBe(200);
    expect(events.body).toMatchObject({ total: 1, limit: 20, offset: 0 });
    expect(events.body.data[0]).toMatchObject({
      id: expect.any(String),
      type: 'consent.revoked',
      user_id: user.id,
      client_id: web.clientId,
      user_agent: 'grants-test-admin',
      ip: expect.any(String),
      details: { by: 'admin', actor: { client_id: expect.any(String) } },
      created_at: expect.any(String),
    });
  });

  it('refuses unknown users and apps', async () => {
    const user = await sesame.createUser();
    expectProblem(await api('DELETE', `/api/users/${user.id}/grants/${web.clientId}`), 404, 'grant.not_found');
    expectProblem(await api('DELETE', `/api/users/${user.id}/grants/nope`), 404, 'grant.not_found');
    expectProblem(await api('DELETE', `/api/users/u_nobody/grants/${web.clientId}`), 404, 'user.not_found');
    expect((await apiClient(sesame)('DELETE', `/api/users/${user.id}/grants/${web.clientId}`)).status).toBe(401);
  });
});

describe('audit events', () => {
  it('record sign-ins and filter by type, user and app, newest first', async () => {
    const user = await sesame.createUser();
    await signInOffline(web, user);
    await signInOffline(other, user);

    const all = await api('GET', `/api/audit-events?user_id=${user.id}`);
    expect(all.status).toBe(200);
    expect(all.body.data.length).toBeGreaterThanOrEqual(2);
    const times = all.body.data.map((e: { created_at: string }) => Date.parse(e.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const signIns = await api('GET', `/api/audit-events?type=sign_in.succeeded&user_id=${user.id}&client_id=${web.clientId}`);
    expect(signIns.body.data.length).toBeGreaterThanOrEqual(1);
    for (const event of signIns.body.data) expect(event).toMatchObject({ type: 'sign_in.succeeded', user_id: user.id, client_id: web.clientId });
    // Each event names its user and app as they are called now, so a reader needs no other lookup.
    expect(signIns.body.data[0]).toMatchObject({ username: user.username, user_name: `Test ${user.username}`, application_name: 'Web' });
    await sesame.sesame.db.deleteFrom('users').where('id', '=', user.id).execute();
    const afterDeletion = await api('GET', `/api/audit-events?user_id=${user.id}&limit=1`);
    expect(afterDeletion.body.data[0]).toMatchObject({ user_id: user.id, username: null, user_name: null });

    const paged = await api('GET', `/api/audit-events?user_id=${user.id}&limit=1&offset=1`);
    expect(paged.body.data).toHaveLength(1);
    expect(paged.body.data[0].id).toBe(all.body.data[1].id);
    expect(paged.body.total).toBe(all.body.total);
  });

  it('refuses bad filters', async () => {
    expectProblem(await api('GET', '/api/audit-events?type=password.leaked'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/audit-events?limit=0'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/audit-events?limit=101'), 400, 'request.invalid');
    expectProblem(await api('GET', '/api/audit-events?offset=-1'), 400, 'request.invalid');
    expect((await api('GET', '/api/audit-events?user_id=u_nobody')).body).toMatchObject({ data: [], total: 0 });
    expect((await apiClient(sesame)('GET', '/api/audit-events')).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { apiClient, managementToken } from './support/management.ts';
import { enrolTotpOverHttp, submit } from './support/mfa.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';
import { decodeJwt } from 'jose';

/**
 * Admins and second factors: a user's factors through the Management API and the CLI, the reset that removes them
 * (audited), the policy as a setting, and how second factors are kept at rest.
 */
const redirect = 'https://app.example.com/cb';
let sesame: TestSesame;
let rp: RelyingParty;
let api: ReturnType<typeof apiClient>;
const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  sesame = await startTestSesame();
  rp = await relyingParty(sesame, await sesame.createApp({ name: 'App', type: 'traditional', redirect_uris: [redirect] }), redirect);
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

/** Signs in with the password; returns where that leads (the app with tokens, or a second-factor page). */
async function passwordSignIn(user: { username: string; password: string }) {
  const agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(rp);
  const { response, url } = await agent.follow(request.url.toString());
  const after = await submit(agent, { html: await response.text(), url }, '/login', { login: user.username, password: user.password });
  if (!after.url.startsWith(redirect)) return { page: new URL(after.url).pathname };
  const tokens = await exchangeCode(rp, request, new URL(after.url));
  return { page: 'app', claims: decodeJwt(tokens.id_token!) };
}

describe('a user\'s factors', () => {
  it('are listed without secrets, reset by an admin (audited), and the user signs in with the password again', async () => {
    const user = await sesame.createUser();
    await enrolTotpOverHttp(sesame.url, rp, user);
    const listed = await api('GET', `/api/users/${user.id}/factors`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ totp: { confirmed_at: expect.any(String) }, passkeys: [], recovery_codes: { total: 10, unused: 10 } });
    expect(JSON.stringify(listed.body)).not.toMatch(/secret|hash/i);
    expect((await passwordSignIn(user)).page).toMatch(/\/second-factor$/);

    const reset = await api('DELETE', `/api/users/${user.id}/factors`);
    expect(reset.body).toEqual({ totp: true, passkeys: 0, recovery_codes: 10 });
    expect((await api('GET', `/api/users/${user.id}/factors`)).body).toMatchObject({ totp: null, recovery_codes: { total: 0 } });
    const signedIn = await passwordSignIn(user);
    expect(signedIn).toMatchObject({ page: 'app', claims: { amr: ['pwd'] } });
    const events = await api('GET', `/api/audit-events?user_id=${user.id}&type=mfa.reset`);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].details).toMatchObject({ by: 'admin', totp: true, recoveryCodes: 10 });
  });

  it('an unknown user is a 404 problem', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await api(method, '/api/users/u_nobody/factors');
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('user.not_found');
    }
  });

  it('are listed and reset by the CLI: users factors, users reset-mfa --id', async () => {
    const user = await sesame.createUser();
    await enrolTotpOverHttp(sesame.url, rp, user);
    const shown = await cli.run('users', 'factors', '--id', user.id);
    expect(shown.stdout).toMatch(/authenticator app: on since/);
    expect(shown.stdout).toMatch(/recovery codes: 10 of 10 left/);
    const reset = await cli.run('users', 'reset-mfa', '--id', user.id);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(new RegExp(`reset second factors of ${user.username}: authenticator app, 0 passkey\\(s\\), 10 recovery code\\(s\\) removed`));
    expect(await cli.json('users', 'factors', '--id', user.id)).toMatchObject({ totp: null, passkeys: [] });
    const events = await api('GET', `/api/audit-events?user_id=${user.id}&type=mfa.reset`);
    expect(events.body.data[0].details.by).toBe('cli');
    const missing = await cli.run('users', 'reset-mfa');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--id is required/);
  });
});

describe('the policy', () => {
  it('is set by the CLI; admins: an admin without a second factor sets one up, others sign in as before', async () => {
    const set = await cli.json('sign-in-experience', 'set', '--mfa-policy', 'admins');
    expect(set.mfa_policy).toBe('admins');
    try {
      const bad = await cli.run('sign-in-experience', 'set', '--mfa-policy', 'always');
      expect(bad.stderr).toMatch(/--mfa-policy must be off, optional, admins or everyone/);
      // The server reads the settings through a short cache (SESAME_SETTINGS_CACHE_SECONDS).
      const admin = await sesame.createUser({ admin: true });
      await expect.poll(async () => (await passwordSignIn(admin)).page, { interval: 500 }).toMatch(/\/set-up$/);
      expect((await passwordSignIn(await sesame.createUser())).page).toBe('app');
    } finally {
      await api('PUT', '/api/sign-in-experience', { mfa_policy: 'optional' });
    }
  });
});

describe('at rest', () => {
  it('the authenticator secret is sealed and recovery codes are kept as HMACs only', async () => {
    const user = await sesame.createUser();
    const { key, codes } = await enrolTotpOverHttp(sesame.url, rp, user);
    const totp = await sesame.sesame.db.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(totp.secret_sealed).not.toContain(key);
    expect(totp.secret_sealed.split('.')).toHaveLength(5); // a compact JWE
    const rows = await sesame.sesame.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(10);
    for (const code of codes) expect(JSON.stringify(rows)).not.toContain(code.replace('-', ''));
  });
});

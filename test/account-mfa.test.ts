import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken } from './support/management.ts';
import { formEndingWith, manualKeyOf, recoveryCodesOf, submit, totpCode } from './support/mfa.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Two-step verification on /account over HTTP (the browser tests cover passkeys there): adding and removing an
 * authenticator app, the CSRF token, the policy's last factor, and the recent sign-in changes need.
 */
let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

/** Signs in to /account with the password; returns the account page. */
async function openAccount(agent: UserAgent, user: { username: string; password: string }, on = sesame) {
  const { response, url } = await agent.follow(`${on.url}/account`);
  const html = await response.text();
  if (!/name="password"/.test(html)) return { html, url };
  const after = await submit(agent, { html, url }, '/login', { login: user.username, password: user.password });
  return { html: after.html, url: after.url };
}

describe('/account', () => {
  it('adds an authenticator app (recovery codes once) and removes it; each change audited', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const account = await openAccount(agent, user);
    expect(account.html).toContain('Two-step verification');
    const setUp = await submit(agent, account, '/account/totp');
    const confirmed = await submit(agent, setUp, '/account/totp/confirm', { code: totpCode(manualKeyOf(setUp.html)) });
    expect(recoveryCodesOf(confirmed.html)).toHaveLength(10);
    const page = await agent.follow(`${sesame.url}/account?notice=totp-added`);
    const html = await page.response.text();
    expect(html).toContain('Your authenticator app is set up.');
    const removed = await submit(agent, { html, url: page.url }, '/account/totp/remove');
    expect(removed.html).toContain('Your authenticator app was removed.');
    const types = (await api('GET', `/api/audit-events?user_id=${user.id}`)).body.data.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['mfa.totp_added', 'mfa.recovery_codes_generated', 'mfa.totp_removed']));
    expect((await api('GET', `/api/users/${user.id}/factors`)).body.recovery_codes.total).toBe(0);
  });

  it('refuses a form without its CSRF token', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    await openAccount(agent, user);
    const response = await agent.request(`${sesame.url}/account/totp`, { form: { csrf: 'forged' } });
    expect(response.status).toBe(403);
  });

  it('keeps the last factor while the policy requires one', async () => {
    await api('PUT', '/api/sign-in-experience', { mfa_policy: 'everyone' });
    try {
      const user = await sesame.createUser();
      const agent = new UserAgent(sesame.url);
      // The policy sends the person through setting a factor up on the way in.
      const { response, url } = await agent.follow(`${sesame.url}/account`);
      const after = await submit(agent, { html: await response.text(), url }, '/login', { login: user.username, password: user.password });
      const setUp = await submit(agent, after, '/set-up/totp');
      const confirmed = await submit(agent, setUp, '/totp/confirm', { code: totpCode(manualKeyOf(setUp.html)) });
      const account = await submit(agent, confirmed, '/set-up/done');
      const refused = await submit(agent, account, '/account/totp/remove');
      expect(refused.html).toContain('add another method before you remove this one');
      expect((await api('GET', `/api/users/${user.id}/factors`)).body.totp).not.toBeNull();
    } finally {
      await api('PUT', '/api/sign-in-experience', { mfa_policy: 'optional' });
    }
  });

  it('asks an older sign-in to sign in again (max_age=0) before a change', async () => {
    const strict = await startTestSesame({ SESAME_RECENT_SIGN_IN_SECONDS: '1' });
    try {
      const user = await strict.createUser();
      const agent = new UserAgent(strict.url);
      const account = await openAccount(agent, user, strict);
      const form = formEndingWith(account.html, account.url, '/account/totp');
      // Longer ago than SESAME_RECENT_SIGN_IN_SECONDS (1 s here).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const response = await agent.request(form.action, { form: form.fields });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/account/login?reauth=1');
      const login = await agent.request(`${strict.url}/account/login?reauth=1`);
      expect(new URL(login.headers.get('location')!).searchParams.get('max_age')).toBe('0');
      expect(await strict.sesame.db.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});

describe('/account/login', () => {
  it('drops a ui_locales no language is that long: the redirect stays small enough to follow', async () => {
    const response = await fetch(`${sesame.url}/account/login?ui_locales=${'prototype'.repeat(1800)}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.has('ui_locales')).toBe(false);
    const short = await fetch(`${sesame.url}/account/login?ui_locales=fr`, { redirect: 'manual' });
    expect(new URL(short.headers.get('location')!).searchParams.get('ui_locales')).toBe('fr');
  });
});

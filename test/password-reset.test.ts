import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/recovery/tokens.ts';
import { accountForm, alertOf, signInToAccount } from './support/account.ts';
import { authorizationRequest, exchangeCode, expectOAuthError, isActive, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';
import { isSignInPage, parseForm, SignInStuckError, UserAgent } from './support/user-agent.ts';

/**
 * *Forgot password?*: one answer whether or not the account exists, a single-use and short-lived link by email
 * (only its hash stored), and a reset that ends every session and token of the account.
 */

let mail: TestMailServer;
let sesame: TestSesame;
let rp: RelyingParty;

beforeAll(async () => {
  mail = await startMailServer();
  sesame = await startTestSesame({
    SESAME_SMTP_URL: mail.url, SESAME_EMAIL_RETRY_DELAY: '1',
    // Every request of this file comes from one IP; the per-IP cap is tested apart below.
    SESAME_THROTTLE_RECOVERY_IP: '200', SESAME_THROTTLE_RECOVERY_EMAILS: '3',
  });
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
});
afterAll(async () => {
  await sesame?.stop();
  await mail?.stop();
});

/** A browser at the sign-in page of a fresh authorization request, with its *Forgot password?* link. */
async function atSignIn(agent = new UserAgent(sesame.url)) {
  const request = await authorizationRequest(rp);
  const { response, url } = await agent.follow(request.url.toString());
  const page = await response.text();
  expect(isSignInPage(page)).toBe(true);
  const uid = new URL(url).pathname.split('/')[2]!;
  return { agent, request, page, uid };
}

/** Asks for a reset link for `login` from the forgot-password page of a sign-in; returns the answer. */
async function forgot(login: string, at?: Awaited<ReturnType<typeof atSignIn>>) {
  const { agent, page, uid } = at ?? await atSignIn();
  const link = /<a href="(\/interaction\/[^"]+\/forgot-password)">Forgot password\?<\/a>/.exec(page)?.[1];
  expect(link).toBe(`/interaction/${uid}/forgot-password`);
  const shown = await agent.request(`${sesame.url}${link}`);
  expect(shown.status).toBe(200);
  const form = parseForm(await shown.text(), `${sesame.url}${link}`);
  const response = await agent.request(form.action, { form: { ...form.fields, login } });
  return { response, body: await response.text(), uid, agent };
}

async function newUser(name: string, email: string | undefined = `${name}@example.com`) {
  return sesame.createUser({ username: name, email, password: 'the old passphrase' });
}

async function resetLinkFor(email: string) {
  return linkIn(await mail.next(email), `${sesame.url}/account/reset-password?token=`);
}

async function openReset(agent: UserAgent, link: string) {
  const response = await agent.request(link);
  const page = await response.text();
  return { response, page, form: response.status === 200 ? parseForm(page, link) : undefined };
}

describe('asking for a reset link', () => {
  it('answers the same, in words, status and headers, whether the account exists, has no email, or not', async () => {
    await newUser('alice');
    await newUser('mute', undefined);
    await sesame.sesame.db.updateTable('users').set({ email: null, email_key: null }).where('username', '=', 'mute').execute();
    const at = await atSignIn();
    const answers = [];
    for (const login of ['alice', 'nobody-here', 'mute', 'ALICE@example.com']) answers.push(await forgot(login, at));
    for (const answer of answers) {
      expect(answer.response.status).toBe(200);
      expect(answer.body).toBe(answers[0]!.body);
      const headers = [...answer.response.headers].filter(([name]) => !['date', 'x-request-id'].includes(name));
      expect(headers).toEqual([...answers[0]!.response.headers].filter(([name]) => !['date', 'x-request-id'].includes(name)));
    }
    expect(answers[0]!.body).toContain('<h1>Check your email</h1>');
    expect(answers[0]!.body).toContain('It works for 30 minutes.');

    // Only the real account with an address gets mail: one message per request that named it.
    await mail.next('alice@example.com');
    await mail.next('alice@example.com');
    await sesame.sesame.recovery.background.drain();
    const sent = await sesame.sesame.db.selectFrom('emails').select(['recipient', 'kind']).where('kind', '=', 'password_reset').execute();
    expect(sent).toEqual([{ recipient: 'alice@example.com', kind: 'password_reset' }, { recipient: 'alice@example.com', kind: 'password_reset' }]);
    const audit = await sesame.sesame.db.selectFrom('audit_events').select('user_id').where('type', '=', 'password_reset.requested').execute();
    expect(audit).toHaveLength(2);
    // Only hashes of links are stored.
    const tokens = await sesame.sesame.db.selectFrom('email_tokens').selectAll().where('purpose', '=', 'password_reset').execute();
    expect(tokens).toHaveLength(2);
    for (const token of tokens) expect(token.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('explains what is missing, and refuses a forged form', async () => {
    const { agent, uid } = await atSignIn();
    const page = await agent.request(`${sesame.url}/interaction/${uid}/forgot-password`);
    const form = parseForm(await page.text(), `${sesame.url}/interaction/${uid}/forgot-password`);
    const empty = await agent.request(form.action, { form: { ...form.fields, login: '  ' } });
    expect(empty.status).toBe(400);
    expect(alertOf(await empty.text())).toBe('Enter your username or email.');
    const forged = await agent.request(form.action, { form: { csrf: 'forged', login: 'alice' } });
    expect(forged.status).toBe(403);
    const stranger = await new UserAgent(sesame.url).request(form.action, { form: { ...form.fields, login: 'alice' } });
    expect(stranger.status).toBe(400);
  });

  it('is capped per account key, existing or not, with 429 and Retry-After, and the same answer for both', async () => {
    await newUser('capped');
    const answers: Record<string, { status: number; retryAfter: string | null; alert?: string }[]> = {};
    for (const login of ['capped', 'ghost-account']) {
      answers[login] = [];
      for (let i = 0; i < 4; i++) {
        const { response, body } = await forgot(login);
        answers[login]!.push({ status: response.status, retryAfter: response.headers.get('retry-after'), alert: alertOf(body) });
      }
    }
    for (const login of ['capped', 'ghost-account']) {
      expect(answers[login]!.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(Number(answers[login]![3]!.retryAfter)).toBeGreaterThan(0);
      expect(answers[login]![3]!.alert).toMatch(/^Too many attempts\. Try again in (\d+ minutes|1 hour)\.$/);
    }
    const events = await sesame.sesame.db.selectFrom('audit_events').select('details').where('type', '=', 'recovery.throttled').execute();
    expect(events.map((e) => e.details.policy)).toEqual(['recovery_account', 'recovery_account']);
  });

  it('is capped per IP across accounts', async () => {
    const capped = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_THROTTLE_RECOVERY_IP: '2' });
    try {
      const app = await capped.createApp({ name: 'Cap', type: 'traditional', redirect_uris: ['https://cap.example.com/cb'] });
      const other = await relyingParty(capped, app, 'https://cap.example.com/cb');
      const statuses = [];
      for (const login of ['one', 'two', 'three']) {
        const agent = new UserAgent(capped.url);
        const { url } = await agent.follow((await authorizationRequest(other)).url.toString());
        const uid = new URL(url).pathname.split('/')[2]!;
        const page = await agent.request(`${capped.url}/interaction/${uid}/forgot-password`);
        const form = parseForm(await page.text(), `${capped.url}/interaction/${uid}/forgot-password`);
        statuses.push((await agent.request(form.action, { form: { ...form.fields, login } })).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await capped.stop();
    }
  });
});

describe('the reset link', () => {
  it('sets a new password (with sign-up\'s rules), ends every session and token, and is recorded', async () => {
    const user = await newUser('bruno');
    const credentials = { login: 'bruno', password: 'the old passphrase' };
    // Signed in to an app (with a refresh token) and to the account page, before the reset.
    const browser = new UserAgent(sesame.url);
    const before = await signIn(rp, browser, credentials, { scope: 'openid offline_access' });
    expect(before.tokens.refresh_token).toBeTruthy();
    await signInToAccount(sesame, browser, credentials);

    const { uid, agent } = await forgot('bruno');
    const link = await resetLinkFor('bruno@example.com');
    expect(new URL(link).searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const opened = await openReset(agent, link);
    expect(opened.response.status).toBe(200);
    expect(opened.page).toContain('<label for="password">New password</label>');
    expect(opened.page).toContain('For the account bruno.');
    expect(opened.response.headers.get('cache-control')).toBe('no-store');

    const weak = await agent.request(opened.form!.action, { form: { ...opened.form!.fields, password: 'short' } });
    expect(weak.status).toBe(400);
    expect(alertOf(await weak.text())).toBe('Choose a password of at least 8 characters.');

    const done = await agent.request(opened.form!.action, { form: { ...opened.form!.fields, password: 'a brand new passphrase' } });
    expect(done.status).toBe(200);
    const page = await done.text();
    expect(page).toContain('<h1>Password changed</h1>');
    // The browser that asked is still in its sign-in: it may go on from there.
    expect(page).toContain(`<a href="/interaction/${uid}">Continue to sign in</a>`);

    // Everything issued before is dead: refresh token, access token, the Sesame session, the account page.
    await expectOAuthError(client.refreshTokenGrant(rp.config, before.tokens.refresh_token!), 'invalid_grant');
    expect(await isActive(rp, before.tokens.access_token)).toBe(false);
    const again = await authorizationRequest(rp);
    const { response } = await browser.follow(again.url.toString());
    expect(isSignInPage(await response.text())).toBe(true);
    const account = await browser.request(`${sesame.url}/account`);
    expect(account.status).toBe(302);
    expect(account.headers.get('location')).toBe('/account/login');

    // The old password fails; the new one signs in, to the app and to the same sign-in it was asked from.
    await expect(signIn(rp, new UserAgent(sesame.url), credentials)).rejects.toThrow(SignInStuckError);
    const after = await signIn(rp, new UserAgent(sesame.url), { login: 'bruno', password: 'a brand new passphrase' });
    expect(after.tokens.claims()?.sub).toBe(user.id);

    const events = await sesame.sesame.db.selectFrom('audit_events').select(['type', 'user_id', 'ip']).where('type', 'in', ['password_reset.requested', 'password_reset.completed']).where('user_id', '=', user.id).orderBy('created_at').execute();
    expect(events.map((e) => e.type)).toEqual(['password_reset.requested', 'password_reset.completed']);
    expect(events[1]!.ip).toBeTruthy();
    const row = await sesame.sesame.db.selectFrom('users').select('email_verified').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email_verified, 'the reset proved the address').toBe(true);
  });

  it('works once: a reused link, or the other links of the account, fail with a friendly page', async () => {
    await newUser('carla');
    await forgot('carla');
    await forgot('carla');
    const first = await resetLinkFor('carla@example.com');
    const second = await resetLinkFor('carla@example.com');
    const agent = new UserAgent(sesame.url);
    const opened = await openReset(agent, first);
    const stale = await openReset(agent, first);
    expect((await agent.request(opened.form!.action, { form: { ...opened.form!.fields, password: 'carla\'s new passphrase' } })).status).toBe(200);
    for (const link of [first, second]) {
      const reopened = await openReset(agent, link);
      expect(reopened.response.status).toBe(400);
      expect(reopened.page).toContain('This link does not work: it expired, was already used, or was not copied in full.');
    }
    const replayed = await agent.request(stale.form!.action, { form: { ...stale.form!.fields, password: 'an attacker passphrase' } });
    expect(replayed.status).toBe(400);
    await signIn(rp, new UserAgent(sesame.url), { login: 'carla', password: 'carla\'s new passphrase' });
  });

  it('lets exactly one of two simultaneous uses win', async () => {
    await newUser('dora');
    await forgot('dora');
    const link = await resetLinkFor('dora@example.com');
    const agent = new UserAgent(sesame.url);
    const { form } = await openReset(agent, link);
    const statuses = await Promise.all(['first passphrase!', 'second passphrase'].map(async (password) =>
      (await agent.request(form!.action, { form: { ...form!.fields, password } })).status));
    expect(statuses.sort()).toEqual([200, 400]);
  });

  it('expires', async () => {
    await newUser('eric');
    await forgot('eric');
    const link = await resetLinkFor('eric@example.com');
    const agent = new UserAgent(sesame.url);
    const { form } = await openReset(agent, link);
    const hash = hashToken(new URL(link).searchParams.get('token')!);
    await sesame.sesame.db.updateTable('email_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('token_hash', '=', hash).execute();
    expect((await openReset(agent, link)).response.status).toBe(400);
    const late = await agent.request(form!.action, { form: { ...form!.fields, password: 'too late passphrase' } });
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('This link does not work');
    await signIn(rp, new UserAgent(sesame.url), { login: 'eric', password: 'the old passphrase' });
  });

  it('refuses forged, truncated and hostile tokens, and a form without its CSRF token, without a server error', async () => {
    await newUser('fiona');
    await forgot('fiona');
    const link = await resetLinkFor('fiona@example.com');
    const agent = new UserAgent(sesame.url);
    const { form } = await openReset(agent, link);
    const token = new URL(link).searchParams.get('token')!;
    const forgedToken = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [forgedToken, token.slice(0, 20), 'x'.repeat(43), '%00', "'; DROP TABLE users; --", '\u0000'.repeat(43)]) {
      const opened = await agent.request(`${sesame.url}/account/reset-password?token=${encodeURIComponent(bad)}`);
      expect(opened.status, bad).toBe(400);
      const posted = await agent.request(form!.action, { form: { ...form!.fields, token: bad, password: 'forged passphrase' } });
      expect(posted.status, bad).toBe(400);
    }
    expect((await agent.request(`${sesame.url}/account/reset-password`)).status).toBe(400);
    const noCsrf = await agent.request(form!.action, { form: { token, password: 'forged passphrase' } });
    expect(noCsrf.status).toBe(400);
    // The real link still works after all that.
    expect((await agent.request(form!.action, { form: { ...form!.fields, password: 'fiona new passphrase' } })).status).toBe(200);
  });

  it('lifts the account\'s throttling: the person proved they hold its email', async () => {
    await newUser('gus');
    const agent = new UserAgent(sesame.url);
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i++) {
      const { page, request } = await atSignIn(agent);
      const signInForm = parseForm(page, request.url.toString());
      status = (await agent.follow(signInForm.action, { form: { ...signInForm.fields, login: 'gus', password: 'wrong password' } })).response.status;
    }
    expect(status).toBe(429);
    await forgot('gus');
    const { form } = await openReset(agent, await resetLinkFor('gus@example.com'));
    expect((await agent.request(form!.action, { form: { ...form!.fields, password: 'gus new passphrase' } })).status).toBe(200);
    const callback = await agent.authorize((await authorizationRequest(rp)).url.toString(), { login: 'gus', password: 'gus new passphrase' });
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('ends the account page\'s session when an admin sets a new password too', async () => {
    await newUser('hana');
    const browser = new UserAgent(sesame.url);
    const page = await signInToAccount(sesame, browser, { login: 'hana', password: 'the old passphrase' });
    expect(accountForm(page, '/account/password').csrf).toBeTruthy();
    const user = await sesame.sesame.db.selectFrom('users').select('id').where('username', '=', 'hana').executeTakeFirstOrThrow();
    const { setUserPassword } = await import('../src/users/user.service.ts');
    await setUserPassword(sesame.sesame.db, user.id, 'set by an admin');
    const after = await browser.request(`${sesame.url}/account`);
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toBe('/account/login');
  });
});

describe('exchanging a code after a reset', () => {
  it('still works for a sign-in that finished before the reset only until the reset', async () => {
    await newUser('ivan');
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp);
    const callback = await agent.authorize(request.url.toString(), { login: 'ivan', password: 'the old passphrase' });
    await forgot('ivan');
    const { form } = await openReset(agent, await resetLinkFor('ivan@example.com'));
    expect((await agent.request(form!.action, { form: { ...form!.fields, password: 'ivan new passphrase' } })).status).toBe(200);
    // The code was issued to the old session: the reset ended it.
    await expectOAuthError(exchangeCode(rp, request, callback), 'invalid_grant');
  });
});

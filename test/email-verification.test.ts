import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailTranslator } from '../src/email/email-i18n.ts';
import { issueSetupSignIn } from '../src/interaction/setup-sign-in.service.ts';
import { alertOf, noticeOf } from './support/account.ts';
import { cliWith } from './support/cli.ts';
import { allow, authorizeUntilConsent, isConsentPage } from './support/consent.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { codeIn, linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Email verification: at sign-up and on request, a code and a link; `email_verified` is true only once either is
 * used; and, when the sign-in experience requires it, no sign-in finishes before the address is verified.
 */

let mail: TestMailServer;
let sesame: TestSesame;
let rp: RelyingParty;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  mail = await startMailServer();
  sesame = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_EMAIL_RETRY_DELAY: '1', SESAME_THROTTLE_RECOVERY_IP: '500' });
  api = apiClient(sesame, await managementToken(sesame));
  expect((await api('PUT', '/api/sign-in-experience', { self_registration: true })).status).toBe(200);
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
});
afterAll(async () => {
  await sesame?.stop();
  await mail?.stop();
});

const requireVerified = async (on: boolean) => expect((await api('PUT', '/api/sign-in-experience', { require_verified_email: on })).status).toBe(200);

async function emailClaims(accessToken: string, sub: string) {
  const info = await client.fetchUserInfo(rp.config, accessToken, sub);
  return { email: info.email, email_verified: info.email_verified };
}

/** Signs up through the sign-up page of a fresh authorization request; returns where Sesame sent the browser. */
async function signUpOnPage(fields: { username: string; email: string }, params: Record<string, string> = {}) {
  const agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(rp, { scope: 'openid email', ...params });
  const { url } = await agent.follow(request.url.toString());
  const uid = new URL(url).pathname.split('/')[2]!;
  const signUpUrl = `${sesame.url}/interaction/${uid}/sign-up`;
  const form = parseForm(await (await agent.request(signUpUrl)).text(), signUpUrl);
  const result = await agent.follow(form.action, { form: { ...form.fields, ...fields, password: 'a long passphrase' } });
  return { agent, request, uid, ...result };
}

/** Opens a verification link and confirms it on its page. */
async function confirmLink(agent: UserAgent, link: string) {
  const opened = await agent.request(link);
  expect(opened.status).toBe(200);
  const page = await opened.text();
  const form = parseForm(page, link);
  const response = await agent.request(form.action, { form: form.fields });
  return { page, response, body: await response.text() };
}

describe('verification at sign-up', () => {
  it('sends a code and a link in the page\'s language; email_verified becomes true only once the link is confirmed', async () => {
    const { response, url, request, agent } = await signUpOnPage({ username: 'noor', email: 'Noor@Example.com' }, { ui_locales: 'fr' });
    expect(response.status).toBe(303);
    const tokens = await exchangeCode(rp, request, new URL(url));
    const sub = tokens.claims()!.sub;
    expect(await emailClaims(tokens.access_token, sub)).toEqual({ email: 'Noor@Example.com', email_verified: false });

    const message = await mail.next('noor@example.com');
    const t = emailTranslator('fr');
    expect(message.subject).toBe(t('verification.subject', { product: 'Sesame' }));
    expect(message.text).toContain(`${t('verification.code')}\n${codeIn(message)}`);
    const link = linkIn(message, `${sesame.url}/account/verify-email?token=`);

    // Opening the link (a mail scanner does) changes nothing; the button on its page does.
    const opened = await agent.request(link);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('Confirm Noor@Example.com as the email address of the account noor.');
    expect(await emailClaims(tokens.access_token, sub)).toMatchObject({ email_verified: false });

    const confirmed = await confirmLink(agent, link);
    expect(confirmed.response.status).toBe(200);
    expect(confirmed.body).toContain('<h1>Email verified</h1>');
    expect(await emailClaims(tokens.access_token, sub)).toEqual({ email: 'Noor@Example.com', email_verified: true });
    const audit = await sesame.sesame.db.selectFrom('audit_events').select('type').where('user_id', '=', sub).where('type', 'like', 'email%').orderBy('created_at').execute();
    expect(audit.map((e) => e.type)).toEqual(['email_verification.sent', 'email.verified']);

    const reused = await agent.request(link);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('This verification link does not work');
  });

  it('refuses forged links and forms without their CSRF token', async () => {
    const agent = new UserAgent(sesame.url);
    for (const token of ['A'.repeat(43), 'short', '<script>', '']) {
      const response = await agent.request(`${sesame.url}/account/verify-email?token=${encodeURIComponent(token)}`);
      expect(response.status, token).toBe(400);
      expect((await agent.request(`${sesame.url}/account/verify-email`, { form: { token, csrf: 'x' } })).status).toBe(400);
    }
  });

  it('a link for an address the account no longer has proves nothing', async () => {
    const user = await sesame.createUser({ username: 'oscar', email: 'oscar@example.com' });
    expect((await api('POST', `/api/users/${user.id}/verification-email`)).status).toBe(202);
    const link = linkIn(await mail.next('oscar@example.com'), `${sesame.url}/account/verify-email?token=`);
    expect((await api('PATCH', `/api/users/${user.id}`, { email: 'oscar.new@example.com' })).status).toBe(200);
    expect((await new UserAgent(sesame.url).request(link)).status).toBe(400);
    const row = await sesame.sesame.db.selectFrom('users').select(['email', 'email_verified']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'oscar.new@example.com', email_verified: false });
  });
});

describe('a verified email required before sign-in', () => {
  beforeAll(async () => requireVerified(true));
  afterAll(async () => requireVerified(false));

  /** Signs in with a password and lands on the verification step. */
  async function atVerifyStep(login: string, password: string) {
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp, { scope: 'openid email' });
    const { response, url } = await agent.follow(request.url.toString());
    const form = parseForm(await response.text(), url);
    const step = await agent.follow(form.action, { form: { ...form.fields, login, password } });
    expect(step.response.status).toBe(200);
    const page = await step.response.text();
    expect(page).toContain('<label for="code">Verification code</label>');
    return { agent, request, page, form: parseForm(page, step.url) };
  }

  const resendForm = (page: string, base: string) => {
    const match = /<form method="post" action="([^"]+\/verify-email\/resend)">([\s\S]*?)<\/form>/.exec(page)!;
    return { action: new URL(match[1]!, base).toString(), fields: Object.fromEntries([...match[2]!.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])) };
  };

  it('stops an unverified account after its password, and lets it in with the code emailed to it', async () => {
    const user = await sesame.createUser({ username: 'paula', email: 'paula@example.com', password: 'a long passphrase' });
    const { agent, request, page, form } = await atVerifyStep('paula', 'a long passphrase');
    expect(page).toContain('we sent a 6-digit code to paula@example.com');
    const code = codeIn(await mail.next('paula@example.com'));

    const wrong = await agent.request(form.action, { form: { ...form.fields, code: code === '000000' ? '111111' : '000000' } });
    expect(wrong.status).toBe(400);
    expect(alertOf(await wrong.text())).toBe('That code is not right. Check the newest email and try again.');
    const garbage = await agent.request(form.action, { form: { ...form.fields, code: '<b>12</b>' } });
    expect(garbage.status).toBe(400);

    const { response, url } = await agent.follow(form.action, { form: { ...form.fields, code: `${code.slice(0, 3)} ${code.slice(3)}` } });
    expect(response.status).toBe(303);
    const tokens = await exchangeCode(rp, request, new URL(url));
    expect(tokens.claims()?.sub).toBe(user.id);
    expect(await emailClaims(tokens.access_token, user.id)).toEqual({ email: 'paula@example.com', email_verified: true });

    // Verified now: the next sign-in goes straight through.
    const again = await signIn(rp, new UserAgent(sesame.url), { login: 'paula', password: 'a long passphrase' });
    expect(again.tokens.claims()?.sub).toBe(user.id);
  });

  it('voids a code after five wrong tries, and sends a new one on request', async () => {
    await sesame.createUser({ username: 'quinn', email: 'quinn@example.com', password: 'a long passphrase' });
    const { agent, page, form } = await atVerifyStep('quinn', 'a long passphrase');
    const first = codeIn(await mail.next('quinn@example.com'));
    const wrong = first === '999999' ? '888888' : '999999';
    const messages = [];
    for (let i = 0; i < 5; i++) messages.push(alertOf(await (await agent.request(form.action, { form: { ...form.fields, code: wrong } })).text()));
    expect(messages.at(-1)).toBe('This code no longer works: it expired or was tried too often. Send a new code.');
    const late = await agent.request(form.action, { form: { ...form.fields, code: first } });
    expect(late.status).toBe(400);

    const resend = resendForm(page, form.action);
    const resent = await agent.request(resend.action, { form: resend.fields });
    expect(resent.status).toBe(200);
    expect(noticeOf(await resent.text())).toBe('A new code is on its way to quinn@example.com.');
    const second = codeIn(await mail.next('quinn@example.com'));
    const { response } = await agent.follow(form.action, { form: { ...form.fields, code: second } });
    expect(response.status).toBe(303);
  });

  it('refuses an expired code', async () => {
    const user = await sesame.createUser({ username: 'rosa', email: 'rosa@example.com', password: 'a long passphrase' });
    const { agent, form } = await atVerifyStep('rosa', 'a long passphrase');
    const code = codeIn(await mail.next('rosa@example.com'));
    await sesame.sesame.db.updateTable('email_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', user.id).execute();
    const late = await agent.request(form.action, { form: { ...form.fields, code } });
    expect(late.status).toBe(400);
    expect(alertOf(await late.text())).toBe('This code no longer works: it expired or was tried too often. Send a new code.');
  });

  it('takes no proof but its own: another account\'s id, a forged proof or another sign-in are refused', async () => {
    const victim = await sesame.createUser({ username: 'sami', email: 'sami@example.com', password: 'a long passphrase' });
    await sesame.createUser({ username: 'tom', email: 'tom@example.com', password: 'a long passphrase' });
    const { agent, form } = await atVerifyStep('tom', 'a long passphrase');
    await mail.next('tom@example.com');
    for (const fields of [{ account: victim.id }, { proof: 'forged' }, { csrf: 'forged' }] as Record<string, string>[]) {
      const response = await agent.request(form.action, { form: { ...form.fields, ...fields, code: '123456' } });
      expect(response.status, JSON.stringify(fields)).toBe(403);
    }
    const stranger = await new UserAgent(sesame.url).request(form.action, { form: { ...form.fields, code: '123456' } });
    expect(stranger.status).toBe(400);
  });

  it('sends the code once at sign-up and asks for it before the new account is signed in', async () => {
    const { response, agent, request } = await signUpOnPage({ username: 'uma', email: 'uma@example.com' });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<label for="code">Verification code</label>');
    const code = codeIn(await mail.next('uma@example.com'));
    const form = parseForm(page, `${sesame.url}/interaction/x`);
    const { url } = await agent.follow(form.action, { form: { ...form.fields, code } });
    const tokens = await exchangeCode(rp, request, new URL(url));
    expect(await emailClaims(tokens.access_token, tokens.claims()!.sub)).toMatchObject({ email_verified: true });
    await sesame.sesame.recovery.background.drain();
    expect(await sesame.sesame.db.selectFrom('emails').select('id').where('recipient', '=', 'uma@example.com').execute()).toHaveLength(1);
  });

  it('asks the code of an account switched to with Not you? on a consent screen, then shows its consent screen', async () => {
    const partner = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: ['https://partner.example.com/cb'] });
    await allow(sesame, partner.clientId, ['email']);
    const partnerRp = await relyingParty(sesame, partner, 'https://partner.example.com/cb');
    await sesame.createUser({ username: 'verified_yan', email: 'yan@example.com', password: 'a long passphrase' });
    await sesame.sesame.db.updateTable('users').set({ email_verified: true }).where('username', '=', 'verified_yan').execute();
    await sesame.createUser({ username: 'zoe', email: 'zoe@example.com', password: 'a long passphrase' });
    const agent = new UserAgent(sesame.url);
    const step = await authorizeUntilConsent(agent, (await authorizationRequest(partnerRp, { scope: 'openid email' })).url.toString(), { login: 'verified_yan', password: 'a long passphrase' });
    if (!('consent' in step)) throw new Error('expected the consent screen');
    const switchUrl = /<a href="(\/interaction\/[^"]+\/switch)"/.exec(step.consent.page)![1]!;
    const switched = await agent.request(`${sesame.url}${switchUrl}`);
    const signInForm = parseForm(await switched.text(), `${sesame.url}${switchUrl}`);
    const verify = await agent.follow(signInForm.action, { form: { ...signInForm.fields, login: 'zoe', password: 'a long passphrase' } });
    const page = await verify.response.text();
    expect(page).toContain('<label for="code">Verification code</label>');
    const form = parseForm(page, verify.url);
    let done = await agent.follow(form.action, { form: { ...form.fields, code: codeIn(await mail.next('zoe@example.com')) } });
    let consent = await done.response.text();
    // oidc-provider ends the other account's session first, through a form a browser submits by script.
    if (consent.includes('/oidc/session/end/confirm')) {
      const logout = parseForm(consent, done.url);
      done = await agent.follow(logout.action, { form: logout.fields });
      consent = await done.response.text();
    }
    expect(done.response.status).toBe(200);
    expect(isConsentPage(consent)).toBe(true);
    expect(consent).toContain('zoe');
  });

  it('asks the code of the first admin, whom the setup form signs in to the console, as after a password', async () => {
    const admin = await sesame.createUser({ username: 'wanda', email: 'wanda@example.com', password: 'a long passphrase', admin: true });
    const agent = new UserAgent(sesame.url);
    await agent.jar.setCookie(`sesame.setup_sign_in=${await issueSetupSignIn(sesame.sesame.db, admin.id)}; Path=/interaction`, `${sesame.url}/interaction`);
    const consoleRp = await relyingParty(sesame, { clientId: 'sesame-console' }, `${sesame.url}/console/callback`);
    const request = await authorizationRequest(consoleRp, { scope: 'openid profile management', resource: `${sesame.url}/api` });
    const step = await agent.follow(request.url.toString());
    expect(step.url).not.toContain('/console/callback');
    const page = await step.response.text();
    expect(page).toContain('<label for="code">Verification code</label>');
    const form = parseForm(page, step.url);
    const { url } = await agent.follow(form.action, { form: { ...form.fields, code: codeIn(await mail.next('wanda@example.com')) } });
    expect(url.startsWith(`${sesame.url}/console/callback?`), url).toBe(true);
    const tokens = await exchangeCode(consoleRp, request, new URL(url));
    expect(tokens.claims()?.sub).toBe(admin.id);
  });

  it('tells an account without an email address to ask an admin', async () => {
    await sesame.createUser({ username: 'vera', email: undefined, password: 'a long passphrase' });
    await sesame.sesame.db.updateTable('users').set({ email: null, email_key: null }).where('username', '=', 'vera').execute();
    const agent = new UserAgent(sesame.url);
    const { response, url } = await agent.follow((await authorizationRequest(rp)).url.toString());
    const form = parseForm(await response.text(), url);
    const stopped = await agent.follow(form.action, { form: { ...form.fields, login: 'vera', password: 'a long passphrase' } });
    expect(stopped.response.status).toBe(403);
    expect(await stopped.response.text()).toContain('Your account has no email address, and a verified one is needed to sign in.');
  });

  it('still refuses a wrong password first, saying nothing about the email', async () => {
    const agent = new UserAgent(sesame.url);
    const { response, url } = await agent.follow((await authorizationRequest(rp)).url.toString());
    const form = parseForm(await response.text(), url);
    const wrong = await agent.follow(form.action, { form: { ...form.fields, login: 'paula', password: 'not the password' } });
    expect(isSignInPage(await wrong.response.text())).toBe(true);
  });
});

describe('admins', () => {
  it('send a verification email through the API and the CLI, and are told when it cannot be sent', async () => {
    const user = await sesame.createUser({ username: 'walt', email: 'walt@example.com' });
    const cli = cliWith(() => ({ ...sesame.database.env, SESAME_SMTP_URL: mail.url }));
    expect(await cli.json('users', 'send-verification', '--id', user.id)).toEqual({ email: 'walt@example.com' });
    const code = codeIn(await mail.next('walt@example.com'));
    expect(code).toMatch(/^\d{6}$/);

    const bare = await sesame.createUser({ username: 'xena', email: undefined });
    await sesame.sesame.db.updateTable('users').set({ email: null, email_key: null }).where('id', '=', bare.id).execute();
    const refused = await api('POST', `/api/users/${bare.id}/verification-email`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'user.no_email' });
    expect((await api('POST', '/api/users/u_missing/verification-email')).status).toBe(404);
    await cli.fails(/no email address/, 'users', 'send-verification', '--id', bare.id);
  });

  it('see and change whether a verified email is required (API and CLI)', async () => {
    const cli = cliWith(() => ({ ...sesame.database.env, SESAME_SMTP_URL: mail.url }));
    expect((await cli.json('sign-in-experience', 'set', '--require-verified-email', 'true')).require_verified_email).toBe(true);
    expect((await api('GET', '/api/sign-in-experience')).body.require_verified_email).toBe(true);
    expect((await cli.json('sign-in-experience', 'set', '--require-verified-email', 'false')).require_verified_email).toBe(false);
    await cli.fails(/--require-verified-email must be true or false/, 'sign-in-experience', 'set', '--require-verified-email', 'maybe');
  });
});

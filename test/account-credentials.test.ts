import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountForm, alertOf, noticeOf, signInToAccount } from './support/account.ts';
import { expectOAuthError, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';
import { parseForm, SignInStuckError, UserAgent } from './support/user-agent.ts';

/** On /account a person changes their password (given the current one) and their email address (verified first). */

let mail: TestMailServer;
let sesame: TestSesame;
let rp: RelyingParty;

beforeAll(async () => {
  mail = await startMailServer();
  sesame = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_EMAIL_RETRY_DELAY: '1', SESAME_THROTTLE_RECOVERY_IP: '500' });
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
});
afterAll(async () => {
  await sesame?.stop();
  await mail?.stop();
});

async function signedIn(username: string, email: string | undefined = `${username}@example.com`) {
  const user = await sesame.createUser({ username, email, password: 'the current passphrase' });
  const agent = new UserAgent(sesame.url);
  const page = await signInToAccount(sesame, agent, { login: username, password: 'the current passphrase' });
  return { user, agent, page };
}

async function post(agent: UserAgent, page: string, action: string, fields: Record<string, string>) {
  const response = await agent.request(`${sesame.url}${action}`, { form: { ...accountForm(page, action), ...fields } });
  return { response, body: response.status === 303 ? '' : await response.text() };
}

describe('changing the password', () => {
  it('shows the forms by their labels', async () => {
    const { page } = await signedIn('ada');
    for (const label of ['Current password', 'New password', 'New email']) expect(page).toContain(`>${label}</label>`);
    expect(page).toContain('<h2 id="security">Password and email</h2>');
    expect(page).toContain('ada@example.com <span class="muted">(not verified)</span>');
    expect(page).toContain('Send verification email');
  });

  it('needs the current password and sign-up\'s rules', async () => {
    const { agent, page } = await signedIn('bea');
    const wrong = await post(agent, page, '/account/password', { current_password: 'not it', new_password: 'a new passphrase' });
    expect(wrong.response.status).toBe(400);
    expect(alertOf(wrong.body)).toBe('The current password is incorrect.');
    const weak = await post(agent, page, '/account/password', { current_password: 'the current passphrase', new_password: 'short' });
    expect(weak.response.status).toBe(400);
    expect(alertOf(weak.body)).toBe('Choose a password of at least 8 characters.');
    const forged = await agent.request(`${sesame.url}/account/password`, { form: { csrf: 'forged', current_password: 'the current passphrase', new_password: 'a new passphrase' } });
    expect(forged.status).toBe(403);
    const stranger = await new UserAgent(sesame.url).request(`${sesame.url}/account/password`, { form: { ...accountForm(page, '/account/password'), current_password: 'the current passphrase', new_password: 'a new passphrase' } });
    expect(stranger.status).toBe(403);
  });

  it('ends every session and token, this page\'s too, and tells the account\'s address', async () => {
    const { user, agent, page } = await signedIn('cleo');
    const app = await signIn(rp, agent, { login: 'cleo', password: 'the current passphrase' }, { scope: 'openid offline_access' });
    const changed = await post(agent, page, '/account/password', { current_password: 'the current passphrase', new_password: 'cleo new passphrase' });
    expect(changed.response.status).toBe(200);
    expect(changed.body).toContain('<h1>Password changed</h1>');
    expect(changed.body).toContain('<a href="/account/login">Sign in</a>');

    expect((await agent.request(`${sesame.url}/account`)).status).toBe(302);
    await expectOAuthError(client.refreshTokenGrant(rp.config, app.tokens.refresh_token!), 'invalid_grant');
    await expect(signIn(rp, new UserAgent(sesame.url), { login: 'cleo', password: 'the current passphrase' })).rejects.toThrow(SignInStuckError);
    await signIn(rp, new UserAgent(sesame.url), { login: 'cleo', password: 'cleo new passphrase' });

    const notice = await mail.next('cleo@example.com');
    expect(notice.subject).toBe('Your Sesame password was changed');
    expect(notice.text).toContain('every session of the account was signed out');
    const audit = await sesame.sesame.db.selectFrom('audit_events').select('details').where('type', '=', 'password.changed').where('user_id', '=', user.id).execute();
    expect(audit).toEqual([{ details: { by: 'user', sessions_ended: true } }]);
  });

  it('counts wrong current passwords like failed sign-ins', async () => {
    const { agent, page } = await signedIn('dino');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(agent, page, '/account/password', { current_password: 'guess', new_password: 'a new passphrase' })).response.status);
    expect(statuses).toEqual([400, 400, 400, 400, 429, 429]);
  });
});

describe('changing the email address', () => {
  it('keeps the old address until the new one is confirmed, then tells the old one', async () => {
    const { user, agent, page } = await signedIn('elif');
    const requested = await post(agent, page, '/account/email', { email: 'elif.new@example.com', current_password: 'the current passphrase' });
    expect(requested.response.status).toBe(303);
    expect(requested.response.headers.get('location')).toBe('/account');
    const after = await (await agent.request(`${sesame.url}/account`)).text();
    expect(noticeOf(after)).toBe('We sent a link to elif.new@example.com. Your email address changes when you open it.');
    expect(after).toContain('<dd>elif@example.com');

    const message = await mail.next('elif.new@example.com');
    const link = linkIn(message, `${sesame.url}/account/verify-email?token=`);
    const opened = await agent.request(link);
    const openedPage = await opened.text();
    expect(openedPage).toContain('Confirm elif.new@example.com as the new email address of the account elif. It replaces the old one.');
    const form = parseForm(openedPage, link);
    const confirmed = await agent.request(form.action, { form: form.fields });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your email address is now elif.new@example.com.');

    const row = await sesame.sesame.db.selectFrom('users').select(['email', 'email_verified']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'elif.new@example.com', email_verified: true });
    const told = await mail.next('elif@example.com');
    expect(told.subject).toBe('The email address of your Sesame account was changed');
    expect(told.text).toContain('was changed from elif@example.com to elif.new@example.com');
    // The new address signs in.
    await signIn(rp, new UserAgent(sesame.url), { login: 'elif.new@example.com', password: 'the current passphrase' });
    const events = await sesame.sesame.db.selectFrom('audit_events').select('type').where('user_id', '=', user.id).where('type', 'like', 'email%').orderBy('created_at').execute();
    expect(events.map((e) => e.type)).toEqual(['email_verification.sent', 'email.change_requested', 'email.changed']);
  });

  it('needs the current password and a valid address nobody else has', async () => {
    await sesame.createUser({ username: 'holder', email: 'taken@example.com' });
    const { agent, page } = await signedIn('fritz');
    const cases: [Record<string, string>, number, string][] = [
      [{ email: 'fritz2@example.com', current_password: 'wrong' }, 400, 'The current password is incorrect.'],
      [{ email: 'not-an-address', current_password: 'the current passphrase' }, 400, 'Enter a valid email address.'],
      [{ email: 'fr\u200bitz@example.com', current_password: 'the current passphrase' }, 400, 'Enter a valid email address.'],
      [{ email: 'TAKEN@example.com', current_password: 'the current passphrase' }, 409, 'This email address cannot be used. Choose another one.'],
    ];
    for (const [fields, status, message] of cases) {
      const { response, body } = await post(agent, page, '/account/email', fields);
      expect(response.status, JSON.stringify(fields)).toBe(status);
      expect(alertOf(body)).toBe(message);
    }
  });

  it('refuses a change confirmed after another account took the address', async () => {
    const { agent, page } = await signedIn('gil');
    await post(agent, page, '/account/email', { email: 'contested@example.com', current_password: 'the current passphrase' });
    const link = linkIn(await mail.next('contested@example.com'), `${sesame.url}/account/verify-email?token=`);
    await sesame.createUser({ username: 'quick', email: 'contested@example.com' });
    const opened = await agent.request(link);
    const form = parseForm(await opened.text(), link);
    const late = await agent.request(form.action, { form: form.fields });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('Another account now uses this email address');
  });

  it('sends a verification of the current address on request', async () => {
    const { agent, page } = await signedIn('hugo');
    const sent = await post(agent, page, '/account/email/verification', {});
    expect(sent.response.status).toBe(303);
    expect(sent.response.headers.get('location')).toBe('/account?notice=verification-sent');
    const after = await (await agent.request(`${sesame.url}/account?notice=verification-sent`)).text();
    expect(noticeOf(after)).toBe('We sent a verification link to hugo@example.com.');
    const link = linkIn(await mail.next('hugo@example.com'), `${sesame.url}/account/verify-email?token=`);
    const opened = await agent.request(link);
    const form = parseForm(await opened.text(), link);
    expect((await agent.request(form.action, { form: form.fields })).status).toBe(200);
    const verified = await (await agent.request(`${sesame.url}/account`)).text();
    expect(verified).toContain('hugo@example.com <span class="muted">(verified)</span>');
    expect(verified).not.toContain('Send verification email');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountForm, signInToAccount } from './support/account.ts';
import { cliWith } from './support/cli.ts';
import { testDatabaseKind } from './support/database.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Without an SMTP server: on the embedded database, messages wait in an outbox that admins read (API, CLI, console)
 * and every feature that needs email works through it; with DATABASE_URL, features that need email say they are
 * unavailable, and admins are told how to turn email on.
 */

async function startFlow(sesame: TestSesame, rp: RelyingParty) {
  const agent = new UserAgent(sesame.url);
  const { url } = await agent.follow((await authorizationRequest(rp)).url.toString());
  const uid = new URL(url).pathname.split('/')[2]!;
  const forgotUrl = `${sesame.url}/interaction/${uid}/forgot-password`;
  const forgot = await agent.request(forgotUrl);
  return { agent, uid, forgotUrl, status: forgot.status, page: await forgot.text() };
}

describe.runIf(testDatabaseKind === 'pglite')('the outbox: the embedded database without SMTP', () => {
  let sesame: TestSesame;
  let rp: RelyingParty;
  let api: ReturnType<typeof apiClient>;
  const cli = cliWith(() => sesame.database.env);

  beforeAll(async () => {
    sesame = await startTestSesame();
    api = apiClient(sesame, await managementToken(sesame));
    const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'] });
    rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
  });
  afterAll(async () => sesame?.stop());

  it('keeps messages for admins to read, and says how to send them', async () => {
    expect((await api('GET', '/api/email-delivery')).body).toMatchObject({ delivery: 'outbox', from: null });
    const status = await cli.run('outbox', 'status');
    expect(status.stdout).toContain('delivery: outbox');
    expect(status.stdout).toContain('SESAME_SMTP_URL');
  });

  it('works through the outbox: a reset link read with the CLI resets the password', async () => {
    await sesame.createUser({ username: 'olga', email: 'olga@example.com', password: 'the old passphrase' });
    const { agent, page, forgotUrl } = await startFlow(sesame, rp);
    const form = parseForm(page, forgotUrl);
    expect((await agent.request(form.action, { form: { ...form.fields, login: 'olga' } })).status).toBe(200);
    await sesame.sesame.recovery.background.drain();

    const listed = await cli.json<{ total: number; emails: { id: string; status: string; recipient: string; kind: string }[] }>('outbox', 'list');
    const message = listed.emails.find((e) => e.recipient === 'olga@example.com')!;
    expect(message).toMatchObject({ status: 'outbox', kind: 'password_reset' });
    const table = await cli.run('outbox', 'list', '--status', 'outbox');
    expect(table.stdout).toContain('olga@example.com');
    const shown = await cli.run('outbox', 'show', '--id', message.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('subject: Reset your Sesame password');
    const link = /(http:\/\/\S+\/account\/reset-password\?token=\S+)/.exec(shown.stdout)![1]!;
    const html = await cli.run('outbox', 'show', '--id', message.id, '--html');
    expect(html.stdout).toContain('<!doctype html>');

    // At rest the message is sealed under the master secret: the link's token is nowhere in the row.
    const stored = await sesame.sesame.db.selectFrom('emails').selectAll().where('id', '=', message.id).executeTakeFirstOrThrow();
    expect(stored.content!.split('.')).toHaveLength(5);
    expect(JSON.stringify(stored)).not.toContain(new URL(link).searchParams.get('token'));
    const read = await api('GET', `/api/emails/${message.id}`);
    expect(read.body.text).toContain(link);
    expect(read.headers.get('cache-control')).toBe('no-store');

    const opened = await agent.request(link);
    const reset = parseForm(await opened.text(), link);
    expect((await agent.request(reset.action, { form: { ...reset.fields, password: 'the new passphrase' } })).status).toBe(200);
    await signIn(rp, new UserAgent(sesame.url), { login: 'olga', password: 'the new passphrase' });

    const retry = await api('POST', `/api/emails/${message.id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ code: 'email.delivery_unavailable' });
    await cli.fails(/no SMTP server/, 'outbox', 'retry', '--id', message.id);
    await cli.fails(/no email with id/, 'outbox', 'show', '--id', 'msg_missing');
    await cli.fails(/--status must be/, 'outbox', 'list', '--status', 'lost');
  });

  it('lets admins require a verified email (verification works through the outbox)', async () => {
    expect((await api('PUT', '/api/sign-in-experience', { require_verified_email: true })).status).toBe(200);
    expect((await api('PUT', '/api/sign-in-experience', { require_verified_email: false })).status).toBe(200);
  });
});

describe.runIf(testDatabaseKind === 'postgres')('email off: DATABASE_URL without SMTP', () => {
  let sesame: TestSesame;
  let rp: RelyingParty;
  let api: ReturnType<typeof apiClient>;
  const cli = cliWith(() => sesame.database.env);

  beforeAll(async () => {
    sesame = await startTestSesame();
    api = apiClient(sesame, await managementToken(sesame));
    expect((await api('PUT', '/api/sign-in-experience', { self_registration: true })).status).toBe(200);
    const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'] });
    rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
  });
  afterAll(async () => sesame?.stop());

  it('tells admins in the API and the CLI, with what to do', async () => {
    const status = await api('GET', '/api/email-delivery');
    expect(status.body).toMatchObject({ delivery: 'off', from: null });
    expect(status.body.hint).toMatch(/password reset by email and email verification are unavailable; set SESAME_SMTP_URL/);
    const printed = await cli.run('outbox', 'status');
    expect(printed.stdout).toContain('delivery: off');
  });

  it('says on Forgot password? that reset by email is unavailable, and sends nothing', async () => {
    await sesame.createUser({ username: 'pia', email: 'pia@example.com' });
    const { status, page, agent, uid } = await startFlow(sesame, rp);
    expect(status).toBe(200);
    expect(page).toContain('This server cannot send email, so passwords cannot be reset by email here. Ask your administrator to set a new password for you.');
    expect(page).not.toContain('<form');
    // A form posted anyway (with the interaction's CSRF token) gets the same explanation.
    const { csrf } = parseForm(await (await agent.request(`${sesame.url}/interaction/${uid}`)).text(), sesame.url).fields;
    const posted = await agent.request(`${sesame.url}/interaction/${uid}/forgot-password`, { form: { csrf: csrf!, login: 'pia' } });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('passwords cannot be reset by email here');
    await sesame.sesame.recovery.background.drain();
    expect(await sesame.sesame.db.selectFrom('emails').select('id').execute()).toEqual([]);
  });

  it('refuses to require a verified email, which nobody could then get', async () => {
    const refused = await api('PUT', '/api/sign-in-experience', { require_verified_email: true });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'sign_in_experience.email_unavailable',
      detail: 'Require a verified email to sign in cannot be turned on while Sesame cannot send email: set SESAME_SMTP_URL first.',
      errors: [{ pointer: '/require_verified_email', detail: expect.stringMatching(/^Require a verified email to sign in /) }],
    });
    await cli.fails(/--require-verified-email: Require a verified email to sign in cannot be turned on while Sesame cannot send email/, 'sign-in-experience', 'set', '--require-verified-email', 'true');
  });

  it('creates accounts unverified, says on /account that the address cannot be changed here, and refuses admin verification', async () => {
    const user = await sesame.createUser({ username: 'quentin', email: 'quentin@example.com', password: 'a long passphrase' });
    const agent = new UserAgent(sesame.url);
    const page = await signInToAccount(sesame, agent, { login: 'quentin', password: 'a long passphrase' });
    expect(page).toContain('This server cannot send email, so email addresses cannot be changed or verified here.');
    expect(page).not.toContain('action="/account/email"');
    const posted = await agent.request(`${sesame.url}/account/email`, { form: { ...accountForm(page, '/account/password'), email: 'q2@example.com', current_password: 'a long passphrase' } });
    expect(posted.status).toBe(409);
    const refused = await api('POST', `/api/users/${user.id}/verification-email`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'email.delivery_unavailable' });
    // Changing the password still works (the notice is simply not sent).
    const changed = await agent.request(`${sesame.url}/account/password`, { form: { ...accountForm(page, '/account/password'), current_password: 'a long passphrase', new_password: 'another long passphrase' } });
    expect(changed.status).toBe(200);
  });
});

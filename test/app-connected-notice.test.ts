import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInToAccount } from './support/account.ts';
import { allow, authorizeUntilConsent, decide, revokeOnAccountPage } from './support/consent.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * "A new app was connected to your account" (issue 15 §3): when a person first allows a third-party app, they are
 * told by email, in the language of the consent screen, with what it may do and a link to /account to revoke it.
 * Signing in to it again is no news; allowing it again after revoking it is.
 */
const redirectUri = 'https://partner.example.com/callback';

let mail: TestMailServer;
let sesame: TestSesame;
let partner: RelyingParty;

beforeAll(async () => {
  mail = await startMailServer();
  sesame = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_EMAIL_RETRY_DELAY: '1' });
  const app = await sesame.createApp({ name: 'Partner Notes', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  await allow(sesame, app.clientId, ['profile', 'email']);
  partner = await relyingParty(sesame, app, redirectUri);
});
afterAll(async () => {
  await sesame?.stop();
  await mail?.stop();
});

async function connect(agent: UserAgent, person: { login: string; password: string }, params: Record<string, string> = {}): Promise<'asked' | 'remembered'> {
  const request = await authorizationRequest(partner, { scope: 'openid profile email', ...params });
  const step = await authorizeUntilConsent(agent, request.url.toString(), person);
  if (!('consent' in step)) return 'remembered';
  await decide(agent, step.consent, ['profile', 'email']);
  return 'asked';
}

const noticesTo = (address: string) => mail.received.filter((m) => m.to && JSON.stringify(m.to).includes(address) && /new app/i.test(m.subject ?? ''));

describe('the new-app notice', () => {
  it('is sent on the first consent, names the app and what it may do, and links to /account', async () => {
    const user = await sesame.createUser({ username: 'nora', email: 'nora@example.com' });
    const person = { login: user.username, password: user.password };
    const agent = new UserAgent(sesame.url);
    expect(await connect(agent, person)).toBe('asked');
    const notice = await mail.next('nora@example.com');
    expect(notice.subject).toBe('A new app was connected to your Sesame account');
    expect(notice.text).toContain('Partner Notes can now use your Sesame account nora.');
    expect(notice.text).toContain('Your name and basic profile');
    expect(notice.text).toContain('Your email address');
    expect(notice.text).toContain('Revoke access');
    const link = linkIn(notice, `${sesame.url}/account`);
    expect(link).toBe(`${sesame.url}/account`);
    expect(notice.html).toContain(`href="${sesame.url}/account"`);

    // The link leads to the page where the app can be revoked.
    const page = await signInToAccount(sesame, new UserAgent(sesame.url), person);
    expect(page).toContain('<h3>Partner Notes</h3>');

    // Signing in to it again, from another browser even, is not news.
    expect(await connect(new UserAgent(sesame.url), person)).toBe('remembered');
    // Asked again with prompt=consent: the person decides again, but the app is not new.
    expect(await connect(agent, person, { prompt: 'consent' })).toBe('asked');
    const again = await sesame.sesame.db.selectFrom('audit_events').select('id').where('user_id', '=', user.id).where('type', '=', 'consent.granted').execute();
    expect(again).toHaveLength(2);
    expect(noticesTo('nora@example.com')).toHaveLength(1);
  });

  it('speaks the consent screen\'s language, and comes again when the app is allowed after being revoked', async () => {
    const user = await sesame.createUser({ username: 'remy', email: 'remy@example.com' });
    const person = { login: user.username, password: user.password };
    expect(await connect(new UserAgent(sesame.url), person, { ui_locales: 'fr' })).toBe('asked');
    const notice = await mail.next('remy@example.com');
    expect(notice.subject).toBe('Une nouvelle application a été connectée à votre compte Sesame');
    expect(notice.text).toContain('Votre adresse e-mail');

    const agent = new UserAgent(sesame.url);
    const page = await signInToAccount(sesame, agent, person);
    await revokeOnAccountPage(agent, sesame.url, page, 'Partner Notes');
    expect(await connect(new UserAgent(sesame.url), person, { ui_locales: 'ja' })).toBe('asked');
    const reconnected = await mail.next('remy@example.com');
    expect(reconnected.subject).toBe('Sesame アカウントに新しいアプリが接続されました');
  });

  it('is not sent to a person without an email address', async () => {
    const user = await sesame.createUser({ username: 'noemail', email: undefined });
    await sesame.sesame.db.updateTable('users').set({ email: null }).where('id', '=', user.id).execute();
    expect(await connect(new UserAgent(sesame.url), { login: user.username, password: user.password })).toBe('asked');
    const queued = await sesame.sesame.db.selectFrom('emails').select('id').where('user_id', '=', user.id).execute();
    expect(queued).toEqual([]);
  });
});

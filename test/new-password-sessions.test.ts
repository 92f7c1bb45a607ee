import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountForm, signInToAccount } from './support/account.ts';
import { allow, authorizeUntilConsent, decide } from './support/consent.ts';
import { LogoutReceiver, verifyLogoutToken } from './support/logout-receiver.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, expectOAuthError, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/**
 * A new password, however it comes — reset with an emailed link, changed on /account, set by an admin — ends the
 * account's sessions through the one sessions service (src/sessions/session.service.ts): the apps of those sessions
 * are told over the back channel, every token of the account ends, and remembered consent stays. Suspension, on
 * the same path, tells the apps too and then ends everything, consent included.
 */

let mail: TestMailServer;
let sesame: TestSesame;
let receiver: LogoutReceiver;
let notes: RelyingParty;
let partner: RelyingParty;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  mail = await startMailServer();
  sesame = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_EMAIL_RETRY_DELAY: '1', SESAME_LOGOUT_RETRY_SECONDS: '1', SESAME_THROTTLE_RECOVERY_IP: '200' });
  receiver = await new LogoutReceiver().start();
  const notesApp = await sesame.createApp({
    name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'],
    backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true,
  });
  notes = await relyingParty(sesame, notesApp, 'https://notes.example.com/cb');
  const partnerApp = await sesame.createApp({
    name: 'Partner', type: 'traditional', third_party: true, redirect_uris: ['https://partner.example.com/cb'],
    backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true,
  });
  await allow(sesame, partnerApp.clientId, ['profile']);
  partner = await relyingParty(sesame, partnerApp, 'https://partner.example.com/cb');
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => {
  await receiver?.stop();
  await sesame?.stop();
  await mail?.stop();
});

/**
 * A person signed in, in one browser, to a first-party app (with a refresh token) and to a third-party app they
 * consented to: the session's id at each app, and the first-party refresh token.
 */
async function personInApps(name: string) {
  const user = await sesame.createUser({ username: name, email: `${name}@example.com`, password: 'the old passphrase' });
  const credentials = { login: name, password: 'the old passphrase' };
  const browser = new UserAgent(sesame.url);
  const first = await signIn(notes, browser, credentials, { scope: 'openid offline_access' });
  const request = await authorizationRequest(partner, { scope: 'openid profile' });
  const step = await authorizeUntilConsent(browser, request.url.toString(), credentials);
  if (!('consent' in step)) throw new Error('expected the consent screen');
  const third = await exchangeCode(partner, request, await decide(browser, step.consent, ['profile']));
  const sids = { [notes.clientId]: first.tokens.claims()!.sid as string, [partner.clientId]: third.claims()!.sid as string };
  return { user, credentials, browser, sids, refreshToken: first.tokens.refresh_token! };
}

/** The logout tokens accepted after `before`, once `count` have come, each verified for the app it names. */
async function logoutsSince(before: number, count: number): Promise<Record<string, string | undefined>> {
  await receiver.waitForAccepted(receiver.accepted().filter((r) => receiver.received.indexOf(r) < before).length + count);
  const tokens = receiver.received.slice(before).filter((r) => r.answered === 200).map((r) => r.token);
  const claims = await Promise.all(tokens.map((token) => verifyLogoutToken(token, sesame.url, String(decodeJwt(token).aud))));
  return Object.fromEntries(claims.map((c) => [String(c.aud), c.sid]));
}

/** Whether the third-party app gets its code straight away (consent remembered), or asks again. */
async function partnerAsksConsentAgain(credentials: { login: string; password: string }): Promise<boolean> {
  const request = await authorizationRequest(partner, { scope: 'openid profile' });
  const step = await authorizeUntilConsent(new UserAgent(sesame.url), request.url.toString(), credentials);
  if ('callback' in step) expect(step.callback.searchParams.get('code')).toBeTruthy();
  return 'consent' in step;
}

async function reasonsQueued(userId: string): Promise<string[]> {
  const rows = await sesame.sesame.db.selectFrom('logout_notifications').select('reason').where('account_id', '=', userId).execute();
  return [...new Set(rows.map((r) => r.reason))];
}

/** The link in the first email to `to` that has one: emails sent earlier to the same person are passed over. */
async function linkInNextMailWith(to: string, prefix: string): Promise<string> {
  for (;;) {
    const message = await mail.next(to);
    if ((message.text ?? '').includes(prefix)) return linkIn(message, prefix);
  }
}

describe('a new password', () => {
  it('reset with an emailed link: the apps are told, tokens end, remembered consent stays', async () => {
    const { user, browser, sids, refreshToken } = await personInApps('rosa');
    // Forgot password? from another browser's sign-in page.
    const elsewhere = new UserAgent(sesame.url);
    const { response } = await elsewhere.follow((await authorizationRequest(notes)).url.toString());
    const signInPage = await response.text();
    expect(isSignInPage(signInPage)).toBe(true);
    const forgotPage = `${sesame.url}${/<a href="(\/interaction\/[^"]+\/forgot-password)">/.exec(signInPage)![1]}`;
    const forgotForm = parseForm(await (await elsewhere.request(forgotPage)).text(), forgotPage);
    expect((await elsewhere.request(forgotForm.action, { form: { ...forgotForm.fields, login: 'rosa' } })).status).toBe(200);
    // Her first consent to the third-party app sent "A new app was connected" before: the reset email is the one with the link.
    const link = await linkInNextMailWith('rosa@example.com', `${sesame.url}/account/reset-password?token=`);
    const resetForm = parseForm(await (await elsewhere.request(link)).text(), link);

    const before = receiver.received.length;
    expect((await elsewhere.request(resetForm.action, { form: { ...resetForm.fields, password: 'rosa new passphrase' } })).status).toBe(200);
    expect(await logoutsSince(before, 2)).toEqual(sids);
    expect(await reasonsQueued(user.id)).toEqual(['password_reset']);
    await expectOAuthError(client.refreshTokenGrant(notes.config, refreshToken), 'invalid_grant');
    expect(isSignInPage(await (await browser.follow((await authorizationRequest(notes)).url.toString())).response.text())).toBe(true);
    expect(await partnerAsksConsentAgain({ login: 'rosa', password: 'rosa new passphrase' })).toBe(false);
  });

  it('changed on /account: the apps are told, tokens end, the page signs out, remembered consent stays', async () => {
    const { user, sids, refreshToken } = await personInApps('sami');
    const laptop = new UserAgent(sesame.url);
    const page = await signInToAccount(sesame, laptop, { login: 'sami', password: 'the old passphrase' });

    const before = receiver.received.length;
    const changed = await laptop.request(`${sesame.url}/account/password`, {
      form: { ...accountForm(page, '/account/password'), current_password: 'the old passphrase', new_password: 'sami new passphrase' },
    });
    expect(changed.status).toBe(200);
    expect(await logoutsSince(before, 2)).toEqual(sids);
    expect(await reasonsQueued(user.id)).toEqual(['password_changed']);
    await expectOAuthError(client.refreshTokenGrant(notes.config, refreshToken), 'invalid_grant');
    expect((await laptop.request(`${sesame.url}/account`)).headers.get('location')).toBe('/account/login');
    expect(await partnerAsksConsentAgain({ login: 'sami', password: 'sami new passphrase' })).toBe(false);
    const ended = await sesame.sesame.db.selectFrom('audit_events').select('details').where('type', '=', 'session.ended').where('user_id', '=', user.id).execute();
    expect(ended.map((e) => e.details)).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'password_changed', by: 'user' })]));
  });

  it('set by an admin: the apps are told, tokens end, remembered consent stays', async () => {
    const { user, sids, refreshToken } = await personInApps('tove');
    const before = receiver.received.length;
    expect((await api('PUT', `/api/users/${user.id}/password`, { password: 'tove new passphrase' })).status).toBe(204);
    expect(await logoutsSince(before, 2)).toEqual(sids);
    expect(await reasonsQueued(user.id)).toEqual(['password_set']);
    await expectOAuthError(client.refreshTokenGrant(notes.config, refreshToken), 'invalid_grant');
    expect(await partnerAsksConsentAgain({ login: 'tove', password: 'tove new passphrase' })).toBe(false);
  });
});

describe('suspension', () => {
  it('tells the apps, then ends everything, remembered consent included', async () => {
    const { user, credentials, sids } = await personInApps('ugo');
    const before = receiver.received.length;
    expect((await api('POST', `/api/users/${user.id}/suspend`)).status).toBe(200);
    expect(await logoutsSince(before, 2)).toEqual(sids);
    expect((await api('POST', `/api/users/${user.id}/unsuspend`)).status).toBe(200);
    expect(await partnerAsksConsentAgain(credentials)).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../src/users/user.service.ts';
import { LogoutReceiver, verifyLogoutToken } from './support/logout-receiver.ts';
import { relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/** /account's "Where you are signed in": what a person sees of their sessions, and signing them out. */

const firefoxOnWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const safariOnIphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

let sesame: TestSesame;
let receiver: LogoutReceiver;
let notes: RelyingParty;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_LOGOUT_RETRY_SECONDS: '1' });
  receiver = await new LogoutReceiver().start();
  const app = await sesame.createApp({
    name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'],
    backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true,
  });
  notes = await relyingParty(sesame, app, 'https://notes.example.com/cb');
});
afterAll(async () => {
  await receiver?.stop();
  await sesame?.stop();
});

/** A browser of the person's, signed in to /account through the real sign-in page. */
async function accountBrowser(credentials: { login: string; password: string }, userAgent: string): Promise<UserAgent> {
  const agent = new UserAgent(sesame.url, { 'user-agent': userAgent });
  const { response, url } = await agent.follow(`${sesame.url}/account/login`);
  const page = await response.text();
  expect(isSignInPage(page)).toBe(true);
  const form = parseForm(page, url);
  const done = await agent.follow(form.action, { form: { ...form.fields, login: credentials.login, password: credentials.password } });
  expect(done.url).toBe(`${sesame.url}/account`);
  await done.response.arrayBuffer();
  return agent;
}

async function accountPage(agent: UserAgent, query = ''): Promise<{ status: number; url: string; html: string }> {
  const { response, url } = await agent.follow(`${sesame.url}/account${query}`);
  return { status: response.status, url, html: await response.text() };
}

/** The form that signs out the session listed with `device`, from the page's HTML. */
function endFormFor(html: string, device: string): { action: string; csrf: string } {
  const item = [...html.matchAll(/<li class="session">([\s\S]*?)<\/li>/g)].map((m) => m[1]!).find((li) => li.includes(device));
  if (!item) throw new Error(`no session of ${device} on the page`);
  const action = /action="([^"]+)"/.exec(item)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(item)?.[1];
  if (!action || !csrf) throw new Error(`the session of ${device} has no sign-out form`);
  return { action: new URL(action.replace(/&amp;/g, '&'), sesame.url).toString(), csrf };
}

/** The CSRF token of the person's /account forms (the confirmation page always has one). */
async function csrfOf(agent: UserAgent): Promise<string> {
  const page = await (await agent.request(`${sesame.url}/account/sessions/end-all`)).text();
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

describe('the list', () => {
  it('shows each signed-in browser with its device, times and address, this one marked and first', async () => {
    const user = await sesame.createUser();
    const credentials = { login: user.username, password: user.password };
    const laptop = await accountBrowser(credentials, firefoxOnWindows);
    await accountBrowser(credentials, safariOnIphone);
    const { html } = await accountPage(laptop);
    const items = [...html.matchAll(/<li class="session">([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
    expect(items).toHaveLength(2);
    expect(items[0]).toMatch(/^Firefox on Windows This device Signed in .+ Last active .+ From 127\.0\.0\.1$/);
    expect(items[1]).toMatch(/^Safari on iOS Signed in .+ From 127\.0\.0\.1 Sign out$/);
    // Nothing of the raw User-Agent header is shown.
    expect(html).not.toContain('Gecko/20100101');
  });
});

describe('signing sessions out', () => {
  it('ends another browser\'s session: that browser is signed out of Sesame and of /account, and its apps are told', async () => {
    const user = await sesame.createUser();
    const credentials = { login: user.username, password: user.password };
    const laptop = await accountBrowser(credentials, firefoxOnWindows);
    const phone = await accountBrowser(credentials, safariOnIphone);
    const { tokens } = await signIn(notes, phone, undefined);
    const sid = tokens.claims()!.sid;
    const before = receiver.accepted().length;

    const { html } = await accountPage(laptop);
    const { action, csrf } = endFormFor(html, 'Safari on iOS');
    const ended = await laptop.request(action, { form: { csrf } });
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe('/account?sessions=ended');
    const after = await accountPage(laptop, '?sessions=ended');
    expect(after.html).toContain('The session is signed out.');
    expect(after.html).not.toContain('Safari on iOS');

    // The phone: /account sends it to sign in, and so does any app.
    const phoneAccount = await accountPage(phone);
    expect(isSignInPage(phoneAccount.html)).toBe(true);
    const [delivery] = (await receiver.waitForAccepted(before + 1)).slice(before);
    expect((await verifyLogoutToken(delivery!.token, sesame.url, notes.clientId)).sid).toBe(sid);
    const audit = await sesame.sesame.db.selectFrom('audit_events').select(['details', 'user_agent'])
      .where('type', '=', 'session.ended').where('user_id', '=', user.id).execute();
    expect(audit).toEqual([{ details: expect.objectContaining({ reason: 'ended_by_user', by: 'user', apps_notified: [notes.clientId] }), user_agent: firefoxOnWindows }]);
  });

  it('signs out of all other sessions and keeps this one', async () => {
    const user = await sesame.createUser();
    const credentials = { login: user.username, password: user.password };
    const laptop = await accountBrowser(credentials, firefoxOnWindows);
    const phone = await accountBrowser(credentials, safariOnIphone);
    const tablet = await accountBrowser(credentials, safariOnIphone);
    const ended = await laptop.request(`${sesame.url}/account/sessions/end-others`, { form: { csrf: await csrfOf(laptop) } });
    expect(ended.headers.get('location')).toBe('/account?sessions=others');
    const after = await accountPage(laptop, '?sessions=others');
    expect(after.html).toContain('Your other sessions are signed out.');
    expect([...after.html.matchAll(/<li class="session">/g)]).toHaveLength(1);
    expect(isSignInPage((await accountPage(phone)).html)).toBe(true);
    expect(isSignInPage((await accountPage(tablet)).html)).toBe(true);
  });

  it('signs out everywhere after asking, this browser included', async () => {
    const user = await sesame.createUser();
    const credentials = { login: user.username, password: user.password };
    const laptop = await accountBrowser(credentials, firefoxOnWindows);
    const phone = await accountBrowser(credentials, safariOnIphone);
    const confirm = await laptop.request(`${sesame.url}/account/sessions/end-all`);
    const confirmHtml = await confirm.text();
    expect(confirm.status).toBe(200);
    expect(confirmHtml).toContain('Sign out everywhere?');
    const form = parseForm(confirmHtml, `${sesame.url}/account/sessions/end-all`);
    const done = await laptop.request(form.action, { form: form.fields });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your account is now signed out in every browser.');
    expect(isSignInPage((await accountPage(laptop)).html)).toBe(true);
    expect(isSignInPage((await accountPage(phone)).html)).toBe(true);
    const left = await sesame.sesame.db.selectFrom('oidc_models').select('id').where('model', '=', 'Session').where('account_id', '=', user.id).execute();
    expect(left).toEqual([]);
  });
});

describe('what an attacker tries', () => {
  it('refuses a form without the CSRF token, or with another person\'s', async () => {
    const alice = await sesame.createUser();
    const bob = await sesame.createUser();
    const alicesLaptop = await accountBrowser({ login: alice.username, password: alice.password }, firefoxOnWindows);
    await accountBrowser({ login: alice.username, password: alice.password }, safariOnIphone);
    const bobsLaptop = await accountBrowser({ login: bob.username, password: bob.password }, firefoxOnWindows);
    const { action } = endFormFor((await accountPage(alicesLaptop)).html, 'Safari on iOS');
    const bobsCsrf = await csrfOf(bobsLaptop);
    for (const form of [{}, { csrf: 'forged' }, { csrf: bobsCsrf }] as Record<string, string>[]) {
      const response = await alicesLaptop.request(action, { form });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('<!doctype html>');
    }
    for (const path of ['/account/sessions/end-all', '/account/sessions/end-others']) {
      expect((await alicesLaptop.request(`${sesame.url}${path}`, { form: { csrf: bobsCsrf } })).status).toBe(403);
    }
    expect([...(await accountPage(alicesLaptop)).html.matchAll(/<li class="session">/g)]).toHaveLength(2);
  });

  it('cannot end someone else\'s session by its id', async () => {
    const alice = await sesame.createUser();
    const bob = await sesame.createUser();
    const alicesPhone = await accountBrowser({ login: alice.username, password: alice.password }, safariOnIphone);
    await accountBrowser({ login: alice.username, password: alice.password }, firefoxOnWindows);
    const bobsLaptop = await accountBrowser({ login: bob.username, password: bob.password }, firefoxOnWindows);
    const alicesSession = await sesame.sesame.db.selectFrom('session_activity').select('session_uid')
      .where('account_id', '=', alice.id).where('user_agent', '=', safariOnIphone).executeTakeFirstOrThrow();
    const response = await bobsLaptop.request(`${sesame.url}/account/sessions/${encodeURIComponent(alicesSession.session_uid)}/end`, {
      form: { csrf: await csrfOf(bobsLaptop) },
    });
    expect(response.headers.get('location')).toBe('/account?sessions=gone');
    expect((await accountPage(alicesPhone)).status).toBe(200);
    expect(isSignInPage((await accountPage(alicesPhone)).html)).toBe(false);
  });

  it('an /account sign-in ends with its Sesame session (here: an admin sets a new password)', async () => {
    const user = await sesame.createUser();
    const laptop = await accountBrowser({ login: user.username, password: user.password }, firefoxOnWindows);
    await setUserPassword(sesame.sesame.db, user.id, 'a brand new passphrase');
    // The signed /account cookie is still in the laptop's jar, and its signature still holds.
    expect((await laptop.jar.getCookies(`${sesame.url}/account`)).some((c) => c.key === 'sesame.account')).toBe(true);
    expect(isSignInPage((await accountPage(laptop)).html)).toBe(true);
  });
});

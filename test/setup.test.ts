import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../src/console/setup.service.ts';
import { issueSetupSignIn } from '../src/interaction/setup-sign-in.service.ts';
import { authorizationRequest, exchangeCode, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/** First run: the one-time link printed at start-up creates the first admin, once. */

let sesame: TestSesame;
let setupUrl: string;
/** The browser that created the first admin, and the cookies the form's answer set. */
let setupBrowser: UserAgent;
let setupCookies: string[];

beforeAll(async () => {
  const printed: string[] = [];
  sesame = await startTestSesame({}, { print: (text) => { printed.push(text); } });
  setupUrl = /(\S+\/console\/setup\?token=\S+)/.exec(printed.join(''))?.[1] ?? '';
});
afterAll(async () => sesame?.stop());

let consoleClient: Awaited<ReturnType<typeof relyingParty>>;

/** The console's own sign-in, as its SPA starts it: answers where it ended, at the console's callback or a sign-in page. */
async function consoleSignIn(agent: UserAgent) {
  consoleClient ??= await relyingParty(sesame, { clientId: 'sesame-console' }, `${sesame.url}/console/callback`);
  const request = await authorizationRequest(consoleClient, { scope: 'openid profile management', resource: `${sesame.url}/api` });
  const { response, url } = await agent.follow(request.url.toString());
  const page = await response.text();
  if (url.startsWith(`${sesame.url}/console/callback?`)) return { request, callback: new URL(url) };
  if (isSignInPage(page)) return { request, signInPage: page };
  throw new Error(`the console's sign-in stopped at ${url} (${response.status})`);
}

const alertOf = (page: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1];

async function openSetup(agent: UserAgent, url = setupUrl) {
  const response = await agent.request(url);
  const page = await response.text();
  return { response, page, form: response.status === 200 ? parseForm(page, url) : undefined };
}

async function admins() {
  return sesame.sesame.db.selectFrom('users').select(['id', 'username', 'email']).where('is_admin', '=', true).execute();
}

describe('first-run setup', () => {
  it('prints a one-time link to /console/setup when no admin exists', () => {
    expect(setupUrl).toMatch(new RegExp(`^${sesame.url}/console/setup\\?token=[A-Za-z0-9_-]{40,}$`));
  });

  it('shows the form with its labels, under the page policy, never cached', async () => {
    const { response, page, form } = await openSetup(new UserAgent(sesame.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const label of ['Username', 'Email', 'Password']) expect(page).toMatch(new RegExp(`<label for="[a-z]+">${label}</label>`));
    expect(page).toContain('<button type="submit">Create admin</button>');
    expect(form!.action).toBe(`${sesame.url}/console/setup`);
    expect(Object.keys(form!.fields).sort()).toEqual(['csrf', 'token']);
  });

  it('refuses a form posted without the browser cookie or with a wrong CSRF token', async () => {
    const { form } = await openSetup(new UserAgent(sesame.url));
    const stranger = new UserAgent(sesame.url);
    const noCookie = await stranger.request(form!.action, { form: { ...form!.fields, username: 'mallory', password: 'long enough password' } });
    expect(noCookie.status).toBe(403);

    const agent = new UserAgent(sesame.url);
    const own = await openSetup(agent);
    const wrongCsrf = await agent.request(own.form!.action, { form: { ...own.form!.fields, csrf: 'x'.repeat(43), username: 'mallory', password: 'long enough password' } });
    expect(wrongCsrf.status).toBe(403);
    expect(await admins()).toEqual([]);
  });

  it('explains a weak password or a bad username and keeps the link valid', async () => {
    const agent = new UserAgent(sesame.url);
    const { form } = await openSetup(agent);
    const weak = await agent.request(form!.action, { form: { ...form!.fields, username: 'ada', email: 'ada@example.com', password: 'short' } });
    expect(weak.status).toBe(400);
    const page = await weak.text();
    expect(alertOf(page)).toBe('Choose a password of at least 8 characters.');
    expect(page).toContain('value="ada"');
    expect(page).not.toContain('short');

    const badName = await agent.request(form!.action, { form: { ...form!.fields, username: 'ada lovelace', password: 'a long passphrase' } });
    expect(alertOf(await badName.text())).toBe('Choose a username without spaces, @, symbols or invisible characters.');
    expect(await admins()).toEqual([]);
  });

  it('creates the first admin once, then the link stops working', async () => {
    const agent = new UserAgent(sesame.url);
    setupBrowser = agent;
    const { form } = await openSetup(agent);
    const created = await agent.request(form!.action, { form: { ...form!.fields, username: 'ada', email: 'ada@example.com', password: 'a long passphrase' } });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/console');
    setupCookies = created.headers.getSetCookie();
    expect(await admins()).toMatchObject([{ username: 'ada', email: 'ada@example.com' }]);
    const audit = await sesame.sesame.db.selectFrom('audit_events').selectAll().where('type', '=', 'setup.admin_created').execute();
    expect(audit).toHaveLength(1);

    // The same form again, and the link itself, from this browser and any other.
    const replay = await agent.request(form!.action, { form: { ...form!.fields, username: 'eve', password: 'a long passphrase' } });
    expect(replay.status).toBe(410);
    expect(await replay.text()).toContain('This setup link is no longer valid');
    expect((await openSetup(agent)).response.status).toBe(410);
    expect((await openSetup(new UserAgent(sesame.url))).response.status).toBe(410);
    expect(await admins()).toHaveLength(1);

    // The admin signs in like anyone, with the password chosen.
    const { verifyPassword } = await import('../src/users/password.ts');
    const row = await sesame.sesame.db.selectFrom('users').select('password_hash').where('username', '=', 'ada').executeTakeFirstOrThrow();
    expect(await verifyPassword(row.password_hash, 'a long passphrase')).toBe(true);
  });

  it('signs the new admin in to the console in the browser that set up, once, with no password and nothing in a URL', async () => {
    // The ticket travels only as a cookie the browser sends to the sign-in step, and to no other site.
    const ticketCookie = setupCookies.find((c) => c.startsWith('sesame.setup_sign_in='))!;
    expect(ticketCookie).toMatch(/; path=\/interaction;/i);
    expect(ticketCookie).toMatch(/; samesite=strict/i);
    expect(ticketCookie).toMatch(/; httponly/i);
    const ticket = /^sesame\.setup_sign_in=([^;]+)/.exec(ticketCookie)![1]!;

    const signedIn = await consoleSignIn(setupBrowser);
    expect('callback' in signedIn, 'no sign-in page').toBe(true);
    const callback = (signedIn as { callback: URL }).callback;
    expect(callback.toString()).not.toContain(ticket);
    // As the console asks for its token: the Management API's, named by `resource` at the token endpoint too.
    const tokens = await exchangeCode(consoleClient, signedIn.request, callback, { resource: `${sesame.url}/api` });
    const admin = (await admins())[0]!;
    expect(tokens.claims()?.sub).toBe(admin.id);
    expect(tokens.scope?.split(' ')).toContain('management');
    // The same sign-in a password gives: recorded, and a Sesame session that the next visit signs in with.
    const audit = await sesame.sesame.db.selectFrom('audit_events').select(['client_id', 'details']).where('type', '=', 'sign_in.succeeded').where('user_id', '=', admin.id).execute();
    expect(audit).toEqual([{ client_id: 'sesame-console', details: { method: 'setup' } }]);
    expect('callback' in await consoleSignIn(setupBrowser)).toBe(true);

    // The ticket worked once: copied into another browser, it signs nobody in.
    const thief = new UserAgent(sesame.url);
    await thief.jar.setCookie(`sesame.setup_sign_in=${ticket}; Path=/interaction`, `${sesame.url}/interaction`);
    expect('signInPage' in await consoleSignIn(thief)).toBe(true);
    expect(await sesame.sesame.db.selectFrom('setup_sign_ins').selectAll().execute()).toEqual([]);
  });

  it('takes a setup ticket for the console only, unexpired, and for an active admin', async () => {
    const db = sesame.sesame.db;
    const admin = (await admins())[0]!;
    const browserWith = async (ticket: string) => {
      const agent = new UserAgent(sesame.url);
      await agent.jar.setCookie(`sesame.setup_sign_in=${ticket}; Path=/interaction`, `${sesame.url}/interaction`);
      return agent;
    };

    // Another app's sign-in asks for the password, and leaves the ticket for the console.
    const app = await sesame.createApp({ name: 'Own app', type: 'spa', redirect_uris: ['https://own.example.com/cb'] });
    const ownApp = await relyingParty(sesame, app, 'https://own.example.com/cb');
    const agent = await browserWith(await issueSetupSignIn(db, admin.id));
    const other = await agent.follow((await authorizationRequest(ownApp)).url.toString());
    expect(isSignInPage(await other.response.text())).toBe(true);
    expect('callback' in await consoleSignIn(agent)).toBe(true);

    const expired = await issueSetupSignIn(db, admin.id);
    await db.updateTable('setup_sign_ins').set({ expires_at: new Date(Date.now() - 1000) }).execute();
    expect('signInPage' in await consoleSignIn(await browserWith(expired))).toBe(true);

    const user = await sesame.createUser();
    expect('signInPage' in await consoleSignIn(await browserWith(await issueSetupSignIn(db, user.id)))).toBe(true);
    const demoted = await issueSetupSignIn(db, admin.id);
    await db.updateTable('users').set({ suspended: true }).where('id', '=', admin.id).execute();
    expect('signInPage' in await consoleSignIn(await browserWith(demoted))).toBe(true);
    await db.updateTable('users').set({ suspended: false }).where('id', '=', admin.id).execute();
    expect('signInPage' in await consoleSignIn(await browserWith('A'.repeat(43)))).toBe(true);
  });

  it('issues no link once an admin exists, and refuses made-up or expired tokens', async () => {
    expect(await issueSetupToken(sesame.sesame.db, 3600)).toBeUndefined();
    expect(await sesame.sesame.db.selectFrom('setup_tokens').selectAll().execute()).toEqual([]);
    for (const token of ['', 'nope', 'A'.repeat(43), '../../etc/passwd']) {
      expect((await new UserAgent(sesame.url).request(`${sesame.url}/console/setup?token=${encodeURIComponent(token)}`)).status).toBe(410);
    }
  });
});

describe('a link in a database that gets an admin some other way', () => {
  let other: TestSesame;
  beforeAll(async () => { other = await startTestSesame(); });
  afterAll(async () => other?.stop());

  it('stops working when an admin is created with the CLI or the API', async () => {
    const token = await issueSetupToken(other.sesame.db, 3600);
    const url = `${other.url}/console/setup?token=${token}`;
    expect((await new UserAgent(other.url).request(url)).status).toBe(200);
    await other.createUser({ admin: true });
    expect((await new UserAgent(other.url).request(url)).status).toBe(410);
  });

  it('refuses an expired link', async () => {
    await other.sesame.db.deleteFrom('users').execute();
    const token = await issueSetupToken(other.sesame.db, 1);
    const url = `${other.url}/console/setup?token=${token}`;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await new UserAgent(other.url).request(url)).status).toBe(410);
  });

  it('lets only one of two concurrent submissions of two links create an admin', async () => {
    await other.sesame.db.deleteFrom('users').execute();
    const agents = [new UserAgent(other.url), new UserAgent(other.url)];
    const forms = await Promise.all(agents.map(async (agent) => {
      const url = `${other.url}/console/setup?token=${await issueSetupToken(other.sesame.db, 3600)}`;
      return (await openSetup(agent, url)).form!;
    }));
    const results = await Promise.all(agents.map((agent, i) => agent.request(forms[i]!.action, {
      form: { ...forms[i]!.fields, username: `admin${i}`, password: 'a long passphrase' },
    })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 410]);
    const rows = await other.sesame.db.selectFrom('users').select('username').where('is_admin', '=', true).execute();
    expect(rows).toHaveLength(1);
  });
});

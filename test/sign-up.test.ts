import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/** Self-registration: off by default; when on, a new account is created and signed in within the same interaction. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let rp: RelyingParty;
let existing: { id: string; username: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  existing = await sesame.createUser({ username: 'grace', email: 'grace@example.com' });
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://notes.example.com/cb');
});
afterAll(async () => sesame?.stop());

const alertOf = (page: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1];

/** A browser at the sign-in page of a new authorization request. */
async function atSignIn(params: Record<string, string> = {}) {
  const agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(rp, params);
  const { response, url } = await agent.follow(request.url.toString());
  const page = await response.text();
  expect(isSignInPage(page)).toBe(true);
  return { agent, request, url, page, uid: new URL(url).pathname.split('/')[2]! };
}

async function setSelfRegistration(on: boolean) {
  expect((await api('PUT', '/api/sign-in-experience', { self_registration: on })).status).toBe(200);
}

describe('self-registration off (the default)', () => {
  it('offers no Create account link and answers the sign-up page with a friendly 404', async () => {
    const { agent, page, uid } = await atSignIn();
    expect(page).not.toContain('Create account');
    const shown = await agent.request(`${sesame.url}/interaction/${uid}/sign-up`);
    expect(shown.status).toBe(404);
    expect(await shown.text()).toContain('Creating an account is not available here.');
    const posted = await agent.request(`${sesame.url}/interaction/${uid}/sign-up`, { form: { username: 'x', password: 'a long passphrase' } });
    expect(posted.status).toBe(404);
    expect(await sesame.sesame.db.selectFrom('users').select('id').where('username', '=', 'x').execute()).toEqual([]);
  });
});

describe('self-registration on', () => {
  beforeAll(async () => setSelfRegistration(true));
  afterAll(async () => setSelfRegistration(false));

  /** Follows *Create account* from the sign-in page to the sign-up form. */
  async function atSignUp(params: Record<string, string> = {}) {
    const signIn = await atSignIn(params);
    const link = /<a href="(\/interaction\/[^"]+\/sign-up)">/.exec(signIn.page)?.[1];
    expect(link).toBe(`/interaction/${signIn.uid}/sign-up`);
    const response = await signIn.agent.request(`${sesame.url}${link}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    return { ...signIn, page, form: parseForm(page, `${sesame.url}${link}`) };
  }

  it('links the sign-in page to a sign-up form with its labels, in the page language', async () => {
    const { page, form } = await atSignUp();
    for (const label of ['Username', 'Email', 'Password']) expect(page).toMatch(new RegExp(`<label for="[a-z]+">${label}</label>`));
    expect(page).toContain('<button type="submit">Create account</button>');
    expect(Object.keys(form.fields)).toEqual(['csrf']);
    const french = await atSignUp({ ui_locales: 'fr' });
    expect(french.page).toContain('<button type="submit">Créer un compte</button>');
    const japanese = await atSignIn({ ui_locales: 'ja' });
    expect(japanese.page).toContain('アカウントを作成');
  });

  it('explains a weak password, a bad username or email, and never echoes the password', async () => {
    const { agent, form } = await atSignUp();
    const weak = await agent.request(form.action, { form: { ...form.fields, username: 'newbie', email: 'newbie@example.com', password: 'short' } });
    expect(weak.status).toBe(400);
    const page = await weak.text();
    expect(alertOf(page)).toBe('Choose a password of at least 8 characters.');
    expect(page).toContain('value="newbie"');
    expect(page).not.toContain('short');
    for (const [fields, message] of [
      [{ username: 'new bie', password: 'a long passphrase' }, 'Choose a username without spaces, @, symbols or invisible characters.'],
      [{ username: 'nul\u0000byte', password: 'a long passphrase' }, 'Choose a username without spaces, @, symbols or invisible characters.'],
      [{ username: 'newbie', email: 'not-an-email', password: 'a long passphrase' }, 'Enter a valid email address.'],
    ] as const) {
      const response = await agent.request(form.action, { form: { ...form.fields, ...fields } });
      expect(response.status).toBe(400);
      expect(alertOf(await response.text())).toBe(message);
    }
  });

  it('refuses a taken username or email without saying which, and without a server error', async () => {
    const { agent, form } = await atSignUp();
    const messages = [];
    for (const fields of [
      { username: 'grace', email: 'someone@example.com' },
      { username: 'GRACE', email: '' },
      { username: 'somebody', email: 'grace@example.com' },
    ]) {
      const response = await agent.request(form.action, { form: { ...form.fields, ...fields, password: 'a long passphrase' } });
      expect(response.status).toBe(409);
      messages.push(alertOf(await response.text()));
    }
    expect(new Set(messages)).toEqual(new Set(['This username or email cannot be used. Choose another one, or sign in.']));
  });

  it('refuses a form without the interaction\'s CSRF token', async () => {
    const { agent, form } = await atSignUp();
    const response = await agent.request(form.action, { form: { csrf: 'forged', username: 'csrfvictim', password: 'a long passphrase' } });
    expect(response.status).toBe(403);
  });

  it('creates the account, signs it in to the app, and the new user signs in again later', async () => {
    const { agent, form, request } = await atSignUp();
    const { response, url } = await agent.follow(form.action, {
      form: { ...form.fields, username: 'margaret', email: 'margaret@example.com', password: 'apollo guidance computer' },
    });
    expect(response.status).toBe(303);
    const callback = new URL(url);
    expect(callback.origin + callback.pathname).toBe('https://notes.example.com/cb');
    const tokens = await exchangeCode(rp, request, callback);
    const user = await sesame.sesame.db.selectFrom('users').selectAll().where('username', '=', 'margaret').executeTakeFirstOrThrow();
    expect(tokens.claims()?.sub).toBe(user.id);
    expect(user).toMatchObject({ email: 'margaret@example.com', is_admin: false, suspended: false });
    const audit = await sesame.sesame.db.selectFrom('audit_events').selectAll().where('type', '=', 'sign_up.succeeded').execute();
    expect(audit).toMatchObject([{ user_id: user.id, client_id: rp.clientId }]);

    // A fresh browser: the new account signs in like any other.
    const again = await signIn(rp, new UserAgent(sesame.url), { login: 'margaret@example.com', password: 'apollo guidance computer' });
    expect(again.tokens.claims()?.sub).toBe(user.id);
    // And the existing user still does.
    const grace = await signIn(rp, new UserAgent(sesame.url), { login: existing.username, password: existing.password });
    expect(grace.tokens.claims()?.sub).toBe(existing.id);
  });
});

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationRequest, expectOAuthError, relyingParty, signIn, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, SignInStuckError, UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let rp: RelyingParty;
let user: { id: string; username: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  user = await sesame.createUser({ username: 'linus', email: 'Linus@Example.com' });
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://web.example.com/cb');
});
afterAll(async () => sesame?.stop());

async function suspend(id: string) {
  await sesame.sesame.db.updateTable('users').set({ suspended: true }).where('id', '=', id).execute();
}

/** Signs in with `login` and `password` and returns the page Sesame shows instead of redirecting to the app. */
async function failedSignIn(login: string, password: string): Promise<{ status: number; alert: string | undefined; page: string }> {
  const request = await authorizationRequest(rp);
  const failure = await new UserAgent(sesame.url).authorize(request.url.toString(), { login, password }).then(
    (callback) => { throw new Error(`signed in and sent to ${callback.toString()}`); },
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(SignInStuckError);
  const { status, page } = failure as SignInStuckError;
  expect(isSignInPage(page), 'the sign-in form is shown again').toBe(true);
  return { status, page, alert: /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1] };
}

describe('sign-in page', () => {
  it('signs in with the username or the email, in any letter case', async () => {
    for (const login of ['linus', 'LINUS', 'linus@example.com', 'LINUS@EXAMPLE.COM']) {
      const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login, password: user.password });
      expect(tokens.claims()?.sub).toBe(user.id);
    }
  });

  it('answers a wrong password and an unknown user with the same generic message', async () => {
    const wrongPassword = await failedSignIn('linus', 'not the password');
    const unknownUser = await failedSignIn('nobody-here', 'not the password');
    const unknownEmail = await failedSignIn('nobody@example.com', user.password);
    expect(wrongPassword.alert).toBe('The username, email or password is incorrect.');
    for (const other of [unknownUser, unknownEmail]) {
      expect(other.status).toBe(wrongPassword.status);
      expect(other.alert).toBe(wrongPassword.alert);
    }
    expect(wrongPassword.page).not.toContain('not the password');
  });

  it('asks for both fields when one is empty', async () => {
    const { alert } = await failedSignIn('linus', '');
    expect(alert).toBe('Enter your username or email and your password.');
  });

  it('refuses a form without the page\'s CSRF token', async () => {
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp);
    const { response, url } = await agent.follow(request.url.toString());
    const form = parseForm(await response.text(), url);
    const posted = await agent.request(form.action, { form: { login: 'linus', password: user.password, csrf: 'forged' } });
    expect(posted.status).toBe(403);
    expect(posted.headers.get('location')).toBeNull();
  });

  it('does not let a suspended user sign in', async () => {
    const suspended = await sesame.createUser();
    await suspend(suspended.id);
    // Right password or wrong, a suspended account gets the answer of any failure: it never confirms the password.
    const right = await failedSignIn(suspended.username, suspended.password);
    const wrong = await failedSignIn(suspended.username, 'not the password');
    expect(right.alert).toBe('The username, email or password is incorrect.');
    expect([right.status, right.alert]).toEqual([wrong.status, wrong.alert]);
  });

  it('cuts off a user suspended after signing in', async () => {
    const later = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const { tokens } = await signIn(rp, agent, { login: later.username, password: later.password }, { scope: 'openid offline_access', prompt: 'consent' });
    await suspend(later.id);

    expect(await userinfoStatus(rp, tokens.access_token)).toBe(401);
    await expectOAuthError(client.refreshTokenGrant(rp.config, tokens.refresh_token!), 'invalid_grant');
    const request = await authorizationRequest(rp);
    const stuck = await agent.authorize(request.url.toString()).catch((error: unknown) => error);
    expect(stuck).toBeInstanceOf(SignInStuckError);
    expect(isSignInPage((stuck as SignInStuckError).page), (stuck as Error).message).toBe(true);
    const silent = await authorizationRequest(rp, { prompt: 'none' });
    const callback = await agent.authorize(silent.url.toString());
    expect(callback.searchParams.get('error')).toBe('login_required');
  });
});

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relyingParty, signIn, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, SignInStuckError, UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let web: RelyingParty;
let other: RelyingParty;
let credentials: { login: string; password: string };

const postLogoutUri = 'https://web.example.com/signed-out';

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser();
  credentials = { login: user.username, password: user.password };
  const webApp = await sesame.createApp({
    name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'], post_logout_redirect_uris: [postLogoutUri],
  });
  web = await relyingParty(sesame, webApp, 'https://web.example.com/cb');
  const otherApp = await sesame.createApp({ name: 'Other', type: 'traditional', redirect_uris: ['https://other.example.com/cb'] });
  other = await relyingParty(sesame, otherApp, 'https://other.example.com/cb');
});
afterAll(async () => sesame?.stop());

/** Whether `agent` still has a Sesame session: an authorization request goes through without the sign-in page. */
async function isSignedIn(agent: UserAgent, rp: RelyingParty): Promise<boolean> {
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  });
  try {
    const callback = await agent.authorize(url.toString());
    expect(callback.searchParams.get('code')).toBeTruthy();
    return true;
  } catch (error) {
    if (error instanceof SignInStuckError && isSignInPage(error.page)) return false;
    throw error;
  }
}

/** Opens the logout URL, checks the confirmation page, and submits it with the given button. */
async function confirmLogout(agent: UserAgent, url: URL | string, button: 'sign out' | 'stay') {
  const page = await agent.request(url.toString());
  const html = await page.text();
  expect(page.status, html.slice(0, 300)).toBe(200);
  expect(html).toContain('Do you want to sign out');
  expect(html).toMatch(/<button[^>]*name="logout"[^>]*>Sign out<\/button>/);
  const form = parseForm(html, url.toString());
  return agent.request(form.action, { form: button === 'sign out' ? { ...form.fields, logout: 'yes' } : form.fields });
}

describe('RP-initiated logout', () => {
  it('ends the session and returns to the registered post-logout URI with state', async () => {
    const agent = new UserAgent(sesame.url);
    const { tokens } = await signIn(web, agent, credentials);
    expect(await isSignedIn(agent, web)).toBe(true);

    const state = client.randomState();
    const logoutUrl = client.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutUri, state });
    expect(logoutUrl.pathname).toBe('/oidc/session/end');
    const done = await confirmLogout(agent, logoutUrl, 'sign out');

    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(postLogoutUri);
    expect(back.searchParams.get('state')).toBe(state);
    expect(await isSignedIn(agent, web)).toBe(false);
    // The session's grants go with it: tokens issued to it no longer work.
    expect(await userinfoStatus(web, tokens.access_token)).toBe(401);
  });

  it('signs out of every app of the session, not just the one asking', async () => {
    const agent = new UserAgent(sesame.url);
    const { tokens } = await signIn(web, agent, credentials);
    const otherTokens = await signIn(other, agent, undefined);
    const logoutUrl = client.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutUri });
    await confirmLogout(agent, logoutUrl, 'sign out');
    expect(await isSignedIn(agent, other)).toBe(false);
    expect(await userinfoStatus(other, otherTokens.tokens.access_token)).toBe(401);
  });

  it('keeps the session when the person chooses to stay signed in', async () => {
    const agent = new UserAgent(sesame.url);
    const { tokens } = await signIn(web, agent, credentials);
    await signIn(other, agent, undefined);
    const logoutUrl = client.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutUri });
    const done = await confirmLogout(agent, logoutUrl, 'stay');
    expect(done.status).toBe(303);
    expect(new URL(done.headers.get('location')!).origin).toBe(new URL(postLogoutUri).origin);
    expect(await isSignedIn(agent, other)).toBe(true);
  });

  it('shows the confirmation page without id_token_hint and ends on Sesame\'s own signed-out page', async () => {
    const agent = new UserAgent(sesame.url);
    await signIn(web, agent, credentials);
    const done = await confirmLogout(agent, new URL('/oidc/session/end', sesame.url), 'sign out');
    expect(done.status).toBe(303);
    const { response } = await agent.follow(new URL(done.headers.get('location')!, sesame.url).toString());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are signed out');
    expect(await isSignedIn(agent, web)).toBe(false);
  });

  it('ignores a post-logout URI it cannot tie to an app', async () => {
    const agent = new UserAgent(sesame.url);
    await signIn(web, agent, credentials);
    const url = new URL('/oidc/session/end', sesame.url);
    url.searchParams.set('post_logout_redirect_uri', 'https://evil.example/');
    const done = await confirmLogout(agent, url, 'sign out');
    expect(new URL(done.headers.get('location')!, sesame.url).origin).toBe(sesame.url);
  });

  it('refuses an unregistered post-logout URI with an error page and no redirect', async () => {
    const agent = new UserAgent(sesame.url);
    const { tokens } = await signIn(web, agent, credentials);
    const url = client.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' });
    const response = await agent.request(url.toString());
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Something went wrong');
    expect(await isSignedIn(agent, web)).toBe(true);
  });
});

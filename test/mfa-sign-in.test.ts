import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken } from './support/management.ts';
import { enrolTotpOverHttp, manualKeyOf, submit, totpCode } from './support/mfa.ts';
import { authorizationRequest, exchangeCode, relyingParty, type AuthorizationRequest, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { catalogs } from '../src/i18n/messages.ts';
import { escapeHtml } from '../src/pages/html.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Second factors in the sign-in flow, driven over HTTP as a browser would post the forms (the pages themselves
 * are covered in chromium by browser-mfa.test.ts): amr and acr in ID tokens, step-up through acr_values,
 * authenticator codes computed here, replays, wrong and reused codes, throttling, the policy.
 */
const mfa = 'urn:sesame:acr:mfa';
const oneFactor = 'urn:sesame:acr:1fa';
const redirect = 'https://app.example.com/cb';

let sesame: TestSesame;
let rp: RelyingParty;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  const app = await sesame.createApp({ name: 'Partner', type: 'traditional', redirect_uris: [redirect] });
  rp = await relyingParty(sesame, app, redirect);
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => {
  await sesame?.stop();
});

interface Page { html: string; url: string }

/** Opens an authorization request in `agent`; returns the page it lands on (or the app's callback). */
async function start(agent: UserAgent, params: Record<string, string> = {}) {
  const request = await authorizationRequest(rp, params);
  const { response, url } = await agent.follow(request.url.toString());
  const html = response.status >= 300 && response.status < 400 ? '' : await response.text();
  return { request, page: { html, url }, status: response.status };
}

async function finishAt(request: AuthorizationRequest, url: string) {
  expect(url.startsWith(redirect), `expected the app's callback, got ${url}`).toBe(true);
  const tokens = await exchangeCode(rp, request, new URL(url));
  return decodeJwt(tokens.id_token!);
}

async function signInWithPassword(agent: UserAgent, user: { username: string; password: string }, params: Record<string, string> = {}) {
  const { request, page } = await start(agent, params);
  const after = await submit(agent, page, '/login', { login: user.username, password: user.password });
  return { request, after };
}

const enrolTotp = (user: { username: string; password: string }) => enrolTotpOverHttp(sesame.url, rp, user);

describe('amr and acr', () => {
  it('discovery lists the classes; a password sign-in is one factor', async () => {
    const discovery = await (await fetch(`${sesame.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(discovery.acr_values_supported).toEqual([oneFactor, mfa]);
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr']));
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const { request, after } = await signInWithPassword(agent, user);
    const claims = await finishAt(request, after.url);
    expect(claims).toMatchObject({ acr: oneFactor, amr: ['pwd'] });
  });
});

describe('an authenticator app', () => {
  it('is set up when an app asks for MFA, and the ID token says so', async () => {
    const user = await sesame.createUser();
    const { codes, claims } = await enrolTotp(user);
    expect(claims).toMatchObject({ acr: mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect(codes).toHaveLength(10);
    const events = await api('GET', `/api/audit-events?user_id=${user.id}&type=mfa.totp_added`);
    expect(events.body.data).toHaveLength(1);
  });

  it('is asked for at the next sign-in; a wrong code and a replayed code are refused, the next code works', async () => {
    const user = await sesame.createUser();
    const { key, usedCode } = await enrolTotp(user);
    const agent = new UserAgent(sesame.url);
    const { request, after } = await signInWithPassword(agent, user);
    expect(new URL(after.url).pathname).toMatch(/\/second-factor$/);

    const wrongCode = String((Number(totpCode(key, 1)) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await submit(agent, after, '/second-factor/code', { code: wrongCode });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('The authentication code is incorrect');

    const replayed = await submit(agent, after, '/second-factor/code', { code: usedCode });
    expect(replayed.response.status).toBe(400);
    expect(replayed.html).toContain('already used');

    // The code of the next time step: the app shows it within 30 seconds, and Sesame accepts one step of drift.
    const next = await submit(agent, after, '/second-factor/code', { code: totpCode(key, 1) });
    const claims = await finishAt(request, next.url);
    expect(claims).toMatchObject({ acr: mfa, amr: ['pwd', 'otp', 'mfa'] });
    const failures = await api('GET', `/api/audit-events?user_id=${user.id}&type=sign_in.second_factor_failed`);
    expect(failures.body.data.map((e: { details: { reason: string } }) => e.details.reason).sort()).toEqual(['replayed_code', 'wrong_code']);
  });

  it('a password alone does not get past the second step: its forms need this sign-in\'s progress cookie', async () => {
    const user = await sesame.createUser();
    await enrolTotp(user);
    const agent = new UserAgent(sesame.url);
    const { after } = await signInWithPassword(agent, user);
    await agent.jar.setCookie(`sesame.sign-in=; Path=${new URL(after.url).pathname.replace(/\/second-factor$/, '')}; Max-Age=0`, after.url);
    const refused = await submit(agent, after, '/second-factor/code', { code: '000000' });
    expect(refused.response.status).toBe(400);
    expect(refused.html).toContain('This sign-in page has expired');
  });

  it('wrong codes are throttled: 429 with Retry-After, the right code refused too', async () => {
    const user = await sesame.createUser();
    const { key } = await enrolTotp(user);
    const agent = new UserAgent(sesame.url);
    const { after } = await signInWithPassword(agent, user);
    let last;
    for (let i = 0; i < 5; i++) last = await submit(agent, after, '/second-factor/code', { code: '000000' === totpCode(key) ? '111111' : '000000' });
    expect(last!.response.status).toBe(429);
    expect(Number(last!.response.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await submit(agent, after, '/second-factor/code', { code: totpCode(key, 1) });
    expect(right.response.status).toBe(429);
  });
});

describe('recovery codes', () => {
  it('each signs in once; a reused one is refused', async () => {
    const user = await sesame.createUser();
    const { codes } = await enrolTotp(user);
    const first = new UserAgent(sesame.url);
    const one = await signInWithPassword(first, user);
    const used = await submit(first, one.after, '/second-factor/recovery', { recovery_code: codes[0]!.toUpperCase() });
    expect(await finishAt(one.request, used.url)).toMatchObject({ acr: mfa });

    const second = new UserAgent(sesame.url);
    const two = await signInWithPassword(second, user);
    const reused = await submit(second, two.after, '/second-factor/recovery', { recovery_code: codes[0]! });
    expect(reused.response.status).toBe(400);
    expect(reused.html).toContain('incorrect or was already used');
    const events = await api('GET', `/api/audit-events?user_id=${user.id}&type=mfa.recovery_code_used`);
    expect(events.body.data[0].details.unused).toBe(9);
  });
});

describe('step-up through acr_values', () => {
  it('a one-factor session asked for MFA adds a factor without the password again', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const plain = await signInWithPassword(agent, user);
    expect(await finishAt(plain.request, plain.after.url)).toMatchObject({ acr: oneFactor });

    const { request, page } = await start(agent, { acr_values: mfa });
    expect(new URL(page.url).pathname).toMatch(/\/set-up$/);
    const setUp = await submit(agent, page, '/set-up/totp');
    const confirmed = await submit(agent, setUp, '/totp/confirm', { code: totpCode(manualKeyOf(setUp.html)) });
    const done = await submit(agent, confirmed, '/set-up/done');
    expect(await finishAt(request, done.url)).toMatchObject({ acr: mfa, amr: ['pwd', 'otp', 'mfa'] });

    // The session is now multi-factor: asking again needs nothing more.
    const again = await start(agent, { acr_values: mfa });
    expect(await finishAt(again.request, again.page.url)).toMatchObject({ acr: mfa });
  });

  it('with prompt=none, a weaker session is answered login_required, never a downgrade', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const plain = await signInWithPassword(agent, user);
    await finishAt(plain.request, plain.after.url);
    const { page } = await start(agent, { acr_values: mfa, prompt: 'none' });
    const callback = new URL(page.url);
    expect(callback.searchParams.get('error')).toBe('login_required');
  });

  it('max_age=0 signs in again with both factors, not with the password alone', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const { request: first, after: signedIn } = await signInWithPassword(agent, user, { acr_values: mfa });
    const setUp = await submit(agent, signedIn, '/set-up/totp');
    const key = manualKeyOf(setUp.html);
    const confirmed = await submit(agent, setUp, '/totp/confirm', { code: totpCode(key) });
    await finishAt(first, (await submit(agent, confirmed, '/set-up/done')).url);

    const { request, page } = await start(agent, { max_age: '0' });
    const again = await submit(agent, page, '/login', { login: user.username, password: user.password });
    expect(new URL(again.url).pathname).toMatch(/\/second-factor$/);
    const done = await submit(agent, again, '/second-factor/code', { code: totpCode(key, 1) });
    expect(await finishAt(request, done.url)).toMatchObject({ acr: mfa, amr: ['pwd', 'otp', 'mfa'], auth_time: expect.any(Number) });
  });

  it('asking for one factor or more takes the session as it is', async () => {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const { request, after } = await signInWithPassword(agent, user, { acr_values: `${oneFactor} ${mfa}` });
    expect(await finishAt(request, after.url)).toMatchObject({ acr: oneFactor });
  });
});

describe('policy', () => {
  it('everyone: a person without a second factor sets one up at the next sign-in', async () => {
    await api('PUT', '/api/sign-in-experience', { mfa_policy: 'everyone' });
    try {
      const user = await sesame.createUser();
      const agent = new UserAgent(sesame.url);
      const { after } = await signInWithPassword(agent, user);
      expect(new URL(after.url).pathname).toMatch(/\/set-up$/);
      expect(after.html).toContain('Your organisation asks for a second step');
    } finally {
      await api('PUT', '/api/sign-in-experience', { mfa_policy: 'optional' });
    }
  });

  it('off: an app that demands MFA is told it cannot be had (unmet_authentication_requirements)', async () => {
    await api('PUT', '/api/sign-in-experience', { mfa_policy: 'off' });
    try {
      const user = await sesame.createUser();
      const agent = new UserAgent(sesame.url);
      const { after } = await signInWithPassword(agent, user, { acr_values: mfa });
      expect(new URL(after.url).searchParams.get('error')).toBe('unmet_authentication_requirements');
    } finally {
      await api('PUT', '/api/sign-in-experience', { mfa_policy: 'optional' });
    }
  });

  it('the policy is a setting of the sign-in experience, validated', async () => {
    const bad = await api('PUT', '/api/sign-in-experience', { mfa_policy: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/mfa_policy');
    expect((await api('GET', '/api/sign-in-experience')).body.mfa_policy).toBe('optional');
  });
});

describe('languages', () => {
  it('the second-factor pages speak the five shipped languages (ui_locales)', async () => {
    for (const [locale, t] of Object.entries(catalogs)) {
      const user = await sesame.createUser();
      const agent = new UserAgent(sesame.url);
      const { after } = await signInWithPassword(agent, user, { acr_values: mfa, ui_locales: locale });
      expect(after.html, locale).toContain(`<html lang="${locale}">`);
      expect(after.html, locale).toContain(escapeHtml(t['enrol.title']));
      const setUp = await submit(agent, after, '/set-up/totp');
      expect(setUp.html, locale).toContain(escapeHtml(t['totp.scan']));
      const wrong = await submit(agent, setUp, '/totp/confirm', { code: 'abc' });
      expect(wrong.html, locale).toContain(escapeHtml(t['mfa.wrongCode']));
    }
  });
});

describe('Not you? on a consent screen', () => {
  it('switching to an account with a second factor asks for it, then shows that account\'s consent screen', async () => {
    const thirdParty = await sesame.createApp({ name: 'Partner Notes', type: 'traditional', third_party: true, redirect_uris: [redirect] });
    const partner = await relyingParty(sesame, thirdParty, redirect);
    const [first, second] = [await sesame.createUser(), await sesame.createUser()];
    const { key } = await enrolTotp(second);
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(partner);
    const { response, url } = await agent.follow(request.url.toString());
    const consent = await submit(agent, { html: await response.text(), url }, '/login', { login: first.username, password: first.password });
    expect(consent.html).toContain('Not you?');
    const switchPage = await agent.follow(new URL(`${new URL(consent.url).pathname}/switch`, sesame.url).toString());
    const signIn = { html: await switchPage.response.text(), url: switchPage.url };
    const secondStep = await submit(agent, signIn, '/login', { login: second.username, password: second.password });
    expect(new URL(secondStep.url).pathname).toMatch(/\/second-factor$/);
    const signedIn = await submit(agent, secondStep, '/second-factor/code', { code: totpCode(key, 1) });
    // oidc-provider ends the first account's session on the way (a page that posts itself, as a browser would).
    const form = parseForm(signedIn.html, signedIn.url);
    const after = await agent.follow(form.action, { form: form.fields });
    expect(await after.response.text()).toContain(`Signed in as Test ${second.username}`);
  });
});

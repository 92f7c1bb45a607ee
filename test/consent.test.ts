import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allow, authorizeUntilConsent, consentOptions, decide, giveRole, revokeOnAccountPage } from './support/consent.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

const api = { name: 'Messages API', indicator: 'https://api.example.com/messages', scopes: ['read:messages', 'write:messages', 'delete:messages'] };
const redirectUri = 'https://partner.example.com/callback';

let sesame: TestSesame;
let partner: RelyingParty;
let partnerId: string;
let credentials: { login: string; password: string };
let userId: string;

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser({ name: 'Grace Hopper', email: 'grace@example.com' });
  credentials = { login: user.username, password: user.password };
  userId = user.id;
  const app = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  partnerId = app.clientId;
  partner = await relyingParty(sesame, app, redirectUri);
  // The user holds read and write through a role; the app may ask for read and delete only.
  await giveRole(sesame, userId, api, ['read:messages', 'write:messages']);
  await allow(sesame, partnerId, ['profile', 'email'], [{ indicator: api.indicator, scope: 'read:messages' }, { indicator: api.indicator, scope: 'delete:messages' }]);
});
afterAll(async () => sesame?.stop());

async function start(params: Record<string, string>, agent = new UserAgent(sesame.url)) {
  const request = await authorizationRequest(partner, params);
  return { agent, request, step: await authorizeUntilConsent(agent, request.url.toString(), credentials) };
}

describe('consent for a third-party app', () => {
  it('refuses a user data scope that is not on the allowlist with invalid_scope', async () => {
    const { step } = await start({ scope: 'openid phone' });
    expect('callback' in step && step.callback.searchParams.get('error')).toBe('invalid_scope');
  });

  it('asks for what is allowed and held, and the token carries exactly what was ticked', async () => {
    const { agent, request, step } = await start({ scope: `openid profile email offline_access read:messages write:messages delete:messages`, resource: api.indicator });
    if (!('consent' in step)) throw new Error('expected the consent screen');
    const options = consentOptions(step.consent.page);
    expect(options.map((o) => o.value)).toEqual(['openid', 'profile', 'email', 'offline_access', `${api.indicator} read:messages`]);
    expect(options.find((o) => o.value === 'openid')?.required).toBe(true);
    expect(step.consent.page).toContain('Partner wants to access your account');
    expect(step.consent.page).toContain('partner.example.com');

    const callback = await decide(agent, step.consent, ['profile', 'offline_access', `${api.indicator} read:messages`]);
    const tokens = await exchangeCode(partner, request, callback, { resource: api.indicator });
    expect(tokens.refresh_token, 'offline_access ticked on the consent screen gives a refresh token').toBeTruthy();
    const access = decodeJwt(tokens.access_token);
    expect(access.aud).toBe(api.indicator);
    expect(String(access.scope).split(' ')).toEqual(['read:messages']);

    const refreshed = await client.refreshTokenGrant(partner.config, tokens.refresh_token!, { resource: api.indicator });
    expect(decodeJwt(refreshed.access_token).scope).toBe('read:messages');

    // Remembered consent: no screen for what was granted, and userinfo holds no email, which was unticked.
    const plain = await start({ scope: 'openid profile' });
    if (!('callback' in plain.step)) throw new Error('expected no consent screen');
    const profileTokens = await exchangeCode(partner, plain.request, plain.step.callback);
    const info = await client.fetchUserInfo(partner.config, profileTokens.access_token, userId);
    expect(info.name).toBe('Grace Hopper');
    expect(info.email).toBeUndefined();
  });

  it('does not ask again in a fresh browser, and asks only for what is new', async () => {
    const again = await start({ scope: 'openid profile' });
    expect('callback' in again.step && again.step.callback.searchParams.get('code')).toBeTruthy();

    const more = await start({ scope: 'openid profile email' });
    if (!('consent' in more.step)) throw new Error('expected the consent screen for email');
    expect(consentOptions(more.step.consent.page).map((o) => o.value)).toEqual(['openid', 'email']);
  });

  it('returns access_denied with state and iss when the person cancels', async () => {
    const { agent, request, step } = await start({ scope: 'openid email' });
    if (!('consent' in step)) throw new Error('expected the consent screen');
    const callback = await decide(agent, step.consent, 'cancel');
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(sesame.url);
  });

  it('asks a native app every time', async () => {
    const app = await sesame.createApp({ name: 'Desktop', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
    await allow(sesame, app.clientId, ['profile']);
    const native = await relyingParty(sesame, app, 'http://127.0.0.1:53127/callback');
    for (let i = 0; i < 2; i++) {
      const agent = new UserAgent(sesame.url);
      const request = await authorizationRequest(native, { scope: 'openid profile' });
      const step = await authorizeUntilConsent(agent, request.url.toString(), credentials);
      if (!('consent' in step)) throw new Error(`expected the consent screen on sign-in ${i + 1}`);
      expect(consentOptions(step.consent.page).map((o) => o.value)).toEqual(['openid', 'profile']);
      const tokens = await exchangeCode(native, request, await decide(agent, step.consent, ['profile']));
      expect(tokens.scope).toBe('openid profile');
    }
  });

  it('never shows a consent screen to a first-party app', async () => {
    const app = await sesame.createApp({ name: 'Own', type: 'spa', redirect_uris: ['https://own.example.com/cb'] });
    const own = await relyingParty(sesame, app, 'https://own.example.com/cb');
    const request = await authorizationRequest(own, { scope: 'openid profile email phone offline_access' });
    const step = await authorizeUntilConsent(new UserAgent(sesame.url), request.url.toString(), credentials);
    expect('callback' in step && step.callback.searchParams.get('code')).toBeTruthy();
  });

  it('revoking on the account page ends the refresh token and the next sign-in asks again', async () => {
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(partner, { scope: 'openid profile offline_access', prompt: 'consent' });
    const step = await authorizeUntilConsent(agent, request.url.toString(), credentials);
    if (!('consent' in step)) throw new Error('expected the consent screen with prompt=consent');
    const tokens = await exchangeCode(partner, request, await decide(agent, step.consent, ['profile', 'offline_access']));

    const account = await agent.follow(`${sesame.url}/account`);
    const page = await account.response.text();
    expect(page).toContain('Partner');
    const { confirmation, revoked } = await revokeOnAccountPage(agent, sesame.url, page);
    expect(confirmation).toContain('Revoke access of Partner?');
    expect(await revoked.response.text()).toContain('no longer has access');

    await expect(client.refreshTokenGrant(partner.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const next = await start({ scope: 'openid profile' });
    expect('consent' in next.step).toBe(true);
  });
});

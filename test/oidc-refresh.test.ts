import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOAuthError, isActive, relyingParty, signIn, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let web: RelyingParty;
let spa: RelyingParty;
let credentials: { login: string; password: string };
let userId: string;

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser();
  credentials = { login: user.username, password: user.password };
  userId = user.id;
  const webApp = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  web = await relyingParty(sesame, webApp, 'https://web.example.com/cb');
  const spaApp = await sesame.createApp({ name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example.com/cb'] });
  spa = await relyingParty(sesame, spaApp, 'https://spa.example.com/cb', client.None());
});
afterAll(async () => sesame?.stop());

const offline = { scope: 'openid offline_access', prompt: 'consent' };

async function signInOffline(rp: RelyingParty) {
  const { tokens } = await signIn(rp, new UserAgent(sesame.url), credentials, offline);
  expect(tokens.refresh_token, 'a refresh token for offline_access with prompt=consent').toBeTruthy();
  return tokens as typeof tokens & { refresh_token: string };
}

describe('refresh tokens', () => {
  it('are issued for offline_access, with or without prompt=consent, and only for it', async () => {
    // A first-party app is consented automatically, so prompt=consent adds nothing (DESIGN.md §4).
    const withoutConsent = await signIn(web, new UserAgent(sesame.url), credentials, { scope: 'openid offline_access' });
    expect(withoutConsent.tokens.refresh_token).toBeTruthy();
    const withoutScope = await signIn(web, new UserAgent(sesame.url), credentials, { scope: 'openid', prompt: 'consent' });
    expect(withoutScope.tokens.refresh_token).toBeUndefined();
    const tokens = await signInOffline(web);
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid']);
  });

  it.each([['a traditional app', () => web], ['a single-page app', () => spa]])('rotate on every use by %s', async (_, rpOf) => {
    const rp = rpOf();
    const first = await signInOffline(rp);
    const second = await client.refreshTokenGrant(rp.config, first.refresh_token);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.claims()?.sub).toBe(userId);
    expect(rp.responses.findLast((r) => r.url.endsWith('/oidc/token'))?.headers.get('cache-control')).toBe('no-store');

    const third = await client.refreshTokenGrant(rp.config, second.refresh_token!);
    expect(third.refresh_token).not.toBe(second.refresh_token);
    expect(await userinfoStatus(rp, third.access_token)).toBe(200);
  });

  it.each([['a traditional app', () => web], ['a single-page app', () => spa]])('revoke the whole grant when %s replays a used one', async (_, rpOf) => {
    const rp = rpOf();
    const first = await signInOffline(rp);
    const second = await client.refreshTokenGrant(rp.config, first.refresh_token);
    const { access_token: accessToken, refresh_token: refreshToken } = second;
    expect(await isActive(rp, refreshToken!)).toBe(true);
    expect(await isActive(rp, accessToken)).toBe(true);

    await expectOAuthError(client.refreshTokenGrant(rp.config, first.refresh_token), 'invalid_grant');

    // The replay may come from an attacker holding the stolen token: everything issued under the grant dies.
    await expectOAuthError(client.refreshTokenGrant(rp.config, refreshToken!), 'invalid_grant');
    expect(await isActive(rp, accessToken)).toBe(false);
    expect(await isActive(rp, refreshToken!)).toBe(false);
    expect(await userinfoStatus(rp, accessToken)).toBe(401);
    expect(await userinfoStatus(rp, first.access_token)).toBe(401);
  });

  it('leave other grants of the same user alone when one is revoked', async () => {
    const victim = await signInOffline(web);
    const bystander = await signInOffline(web);
    await client.refreshTokenGrant(web.config, victim.refresh_token);
    await expectOAuthError(client.refreshTokenGrant(web.config, victim.refresh_token), 'invalid_grant');
    const still = await client.refreshTokenGrant(web.config, bystander.refresh_token);
    expect(await userinfoStatus(web, still.access_token)).toBe(200);
  });

  it('cannot be used by another app', async () => {
    const tokens = await signInOffline(spa);
    await expectOAuthError(client.refreshTokenGrant(web.config, tokens.refresh_token), 'invalid_grant');
  });
});

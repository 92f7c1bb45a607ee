import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allow, authorizeUntilConsent, decide, giveRole } from './support/consent.ts';
import { authorizationRequest, exchangeCode, relyingParty, signIn, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * An app that signs a person in (openid) and calls an API resource of its own (RFC 8707 `resource`), with the
 * client libraries' defaults (issue 12 §2). The token request decides which token comes back: without `resource`,
 * one for the userinfo endpoint; with it, an RFC 9068 JWT for that API. The refresh token gets either, any time.
 */
const api = { name: 'Notes API', indicator: 'https://api.example.com/notes', scopes: ['read:notes', 'write:notes'] };
const redirectUri = 'https://notes.example.com/callback';

let sesame: TestSesame;
let web: RelyingParty;
let partner: RelyingParty;
let person: { id: string; login: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser({ name: 'Ada Lovelace', email: 'ada@example.com' });
  person = { id: user.id, login: user.username, password: user.password };
  await giveRole(sesame, user.id, api, ['read:notes']);
  web = await relyingParty(sesame, await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: [redirectUri] }), redirectUri);
  const third = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  await allow(sesame, third.clientId, ['profile', 'email'], [{ indicator: api.indicator, scope: 'read:notes' }]);
  partner = await relyingParty(sesame, third, redirectUri);
});
afterAll(async () => sesame?.stop());

const signInWith = (rp: RelyingParty, params: Record<string, string>) => signIn(rp, new UserAgent(sesame.url), person, params);

describe('openid plus a resource, with openid-client\'s defaults', () => {
  it('the code gives a token for userinfo, and fetchUserInfo works', async () => {
    const { tokens } = await signInWith(web, { scope: 'openid profile offline_access read:notes', resource: api.indicator });
    const info = await client.fetchUserInfo(web.config, tokens.access_token, person.id);
    expect(info).toMatchObject({ sub: person.id, name: 'Ada Lovelace' });
    // Not the scope asked for, so the response names what this token holds (RFC 6749 §5.1).
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('the refresh token gets the API\'s token with `resource`, and a userinfo token again without it', async () => {
    const { tokens } = await signInWith(web, { scope: 'openid profile offline_access read:notes', resource: api.indicator });
    const forApi = await client.refreshTokenGrant(web.config, tokens.refresh_token!, { resource: api.indicator });
    expect(forApi.scope).toBe('read:notes');
    expect(decodeJwt(forApi.access_token)).toMatchObject({ aud: api.indicator, sub: person.id, scope: 'read:notes', client_id: web.clientId });
    expect(await userinfoStatus(web, forApi.access_token)).toBe(401);

    const forUserinfo = await client.refreshTokenGrant(web.config, forApi.refresh_token ?? tokens.refresh_token!);
    expect((await client.fetchUserInfo(web.config, forUserinfo.access_token, person.id)).name).toBe('Ada Lovelace');
    expect(forUserinfo.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
  });

  it('the code gives the API\'s token when the token request names the resource; the ID token then carries the claims', async () => {
    const request = await authorizationRequest(web, { scope: 'openid profile read:notes', resource: api.indicator });
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    const tokens = await exchangeCode(web, request, callback, { resource: api.indicator });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: api.indicator, scope: 'read:notes' });
    expect(tokens.scope).toBe('read:notes');
    // No token for userinfo came back, so the ID token holds what userinfo would have said.
    expect(tokens.claims()).toMatchObject({ sub: person.id, name: 'Ada Lovelace' });
  });

  it('a narrower refresh names the scope it grants', async () => {
    const { tokens } = await signInWith(web, { scope: 'openid profile email offline_access' });
    const narrower = await client.refreshTokenGrant(web.config, tokens.refresh_token!, { scope: 'openid profile' });
    expect(narrower.scope).toBe('openid profile');
    const info = await client.fetchUserInfo(web.config, narrower.access_token, person.id);
    expect(info.email).toBeUndefined();
  });
});

describe('a resource without openid', () => {
  it('the code gives the token for the one resource asked for, with no `resource` at the token endpoint', async () => {
    const request = await authorizationRequest(web, { scope: 'read:notes offline_access', resource: api.indicator });
    // A nonce belongs to OpenID Connect requests only.
    request.url.searchParams.delete('nonce');
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    const tokens = await client.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: api.indicator, scope: 'read:notes' });
    expect(tokens.scope).toBe('read:notes');
  });
});

describe('a third-party app through its consent screen', () => {
  it('gets both tokens the same way; the consented resource scope is in the API token only', async () => {
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(partner, { scope: 'openid profile offline_access read:notes', resource: api.indicator });
    const step = await authorizeUntilConsent(agent, request.url.toString(), person);
    if (!('consent' in step)) throw new Error('expected the consent screen');
    const tokens = await exchangeCode(partner, request, await decide(agent, step.consent, ['profile', 'offline_access', `${api.indicator} read:notes`]));
    expect((await client.fetchUserInfo(partner.config, tokens.access_token, person.id)).name).toBe('Ada Lovelace');
    const forApi = await client.refreshTokenGrant(partner.config, tokens.refresh_token!, { resource: api.indicator });
    expect(decodeJwt(forApi.access_token)).toMatchObject({ aud: api.indicator, scope: 'read:notes' });
  });
});

describe('oauth4webapi', () => {
  it('reads the userinfo endpoint with the code\'s token, and gets the API token by refresh', async () => {
    const issuer = new URL(sesame.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    const app = await sesame.createApp({ name: 'Four', type: 'spa', redirect_uris: [redirectUri] });
    const spa: oauth.Client = { client_id: app.clientId };
    const options = { [oauth.allowInsecureRequests]: true } as const;
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: spa.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile offline_access read:notes',
      resource: api.indicator, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const callback = await new UserAgent(sesame.url).authorize(url.toString(), person);
    const params = oauth.validateAuthResponse(as, spa, callback, oauth.expectNoState);
    const tokens = await oauth.processAuthorizationCodeResponse(as, spa,
      await oauth.authorizationCodeGrantRequest(as, spa, oauth.None(), params, redirectUri, verifier, options));
    const sub = oauth.getValidatedIdTokenClaims(tokens)!.sub;
    const info = await oauth.processUserInfoResponse(as, spa, sub, await oauth.userInfoRequest(as, spa, tokens.access_token, options));
    expect(info.name).toBe('Ada Lovelace');

    const refreshed = await oauth.processRefreshTokenResponse(as, spa,
      await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), tokens.refresh_token!, { ...options, additionalParameters: { resource: api.indicator } }));
    expect(refreshed.scope).toBe('read:notes');
    expect(decodeJwt(refreshed.access_token).aud).toBe(api.indicator);
  });
});

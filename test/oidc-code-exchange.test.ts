import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationRequest, exchangeCode, expectOAuthError, isActive, relyingParty, signIn, tokenRequest, userinfoStatus, type RelyingParty,
} from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let web: RelyingParty;
let otherWeb: RelyingParty;
let spa: RelyingParty;
let native: RelyingParty;
let credentials: { login: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser();
  credentials = { login: user.username, password: user.password };
  const webApp = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  web = await relyingParty(sesame, webApp, 'https://web.example.com/cb');
  const otherApp = await sesame.createApp({ name: 'Other web', type: 'traditional', redirect_uris: ['https://other.example.com/cb'] });
  otherWeb = await relyingParty(sesame, otherApp, 'https://other.example.com/cb');
  const spaApp = await sesame.createApp({ name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example.com/cb'] });
  spa = await relyingParty(sesame, spaApp, 'https://spa.example.com/cb', client.None());
  const nativeApp = await sesame.createApp({ name: 'Native', type: 'native', redirect_uris: ['com.example.app:/cb'] });
  native = await relyingParty(sesame, nativeApp, 'com.example.app:/cb', client.None());
});
afterAll(async () => sesame?.stop());

/** Signs in and returns the app's callback URL with an unredeemed code. */
async function codeFor(rp: RelyingParty, params: Record<string, string> = {}, options: { pkce?: boolean } = {}) {
  const request = await authorizationRequest(rp, params, options);
  const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), credentials);
  expect(callback.searchParams.get('code'), callback.toString()).toBeTruthy();
  return { request, callback };
}

/** Opens an authorization URL; an error is sent back to the app's redirect URI before anyone signs in. */
async function authorizationError(rp: RelyingParty, params: Record<string, string>, options: { pkce?: boolean } = {}) {
  const request = await authorizationRequest(rp, params, options);
  const callback = await new UserAgent(sesame.url).authorize(request.url.toString());
  expect(callback.origin + callback.pathname).toBe(new URL(rp.redirectUri).origin + new URL(rp.redirectUri).pathname);
  expect(callback.searchParams.get('code')).toBeNull();
  expect(callback.searchParams.get('state')).toBe(request.state);
  expect(callback.searchParams.get('iss')).toBe(sesame.url);
  return callback.searchParams;
}

describe('authorization codes', () => {
  it('are single-use: a second exchange fails and revokes what the first one issued', async () => {
    const { request, callback } = await codeFor(web, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await exchangeCode(web, request, callback);
    expect(await userinfoStatus(web, tokens.access_token)).toBe(200);

    await expectOAuthError(exchangeCode(web, request, callback), 'invalid_grant');

    expect(await isActive(web, tokens.access_token)).toBe(false);
    expect(await userinfoStatus(web, tokens.access_token)).toBe(401);
    await expectOAuthError(client.refreshTokenGrant(web.config, tokens.refresh_token!), 'invalid_grant');
  });

  it('are single-use for a public client too', async () => {
    const { request, callback } = await codeFor(spa);
    const tokens = await exchangeCode(spa, request, callback);
    await expectOAuthError(exchangeCode(spa, request, callback), 'invalid_grant');
    expect(await userinfoStatus(spa, tokens.access_token)).toBe(401);
  });

  it('cannot be redeemed by another app', async () => {
    const { request, callback } = await codeFor(web);
    await expectOAuthError(client.authorizationCodeGrant(otherWeb.config, callback, {
      pkceCodeVerifier: request.verifier, expectedState: request.state,
    }, { redirect_uri: web.redirectUri }), 'invalid_grant');
  });

  it('must be redeemed with the redirect URI they were issued for', async () => {
    const app = await sesame.createApp({ name: 'Two URIs', type: 'traditional', redirect_uris: ['https://a.example.com/cb', 'https://b.example.com/cb'] });
    const rp = await relyingParty(sesame, app, 'https://a.example.com/cb');
    const { request, callback } = await codeFor(rp);
    // openid-client always sends the redirect URI it was called back on, so this request is made by hand.
    const response = await tokenRequest(rp, app.clientSecret, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: 'https://b.example.com/cb',
      code_verifier: request.verifier!,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('PKCE', () => {
  it.each([['traditional', () => web], ['single-page', () => spa], ['native', () => native]])(
    'a %s app must send the code_verifier of its challenge',
    async (_, rpOf) => {
      const rp = rpOf();
      const missing = await codeFor(rp);
      await expectOAuthError(client.authorizationCodeGrant(rp.config, missing.callback, { expectedState: missing.request.state }), 'invalid_grant');

      const wrong = await codeFor(rp);
      await expectOAuthError(client.authorizationCodeGrant(rp.config, wrong.callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: wrong.request.state,
      }), 'invalid_grant');
    },
  );

  it('a verifier sent without a challenge at authorization fails', async () => {
    const { request, callback } = await codeFor(web, {}, { pkce: false });
    await expectOAuthError(client.authorizationCodeGrant(web.config, callback, {
      pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: request.state,
    }), 'invalid_grant');
  });

  it('a traditional app may leave PKCE out (it authenticates with its secret)', async () => {
    const { request, callback } = await codeFor(web, {}, { pkce: false });
    const tokens = await client.authorizationCodeGrant(web.config, callback, { expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.access_token).toBeTruthy();
  });

  it.each([['single-page', () => spa], ['native', () => native]])('a %s app must send a code_challenge', async (_, rpOf) => {
    const error = await authorizationError(rpOf(), {}, { pkce: false });
    expect(error.get('error')).toBe('invalid_request');
    expect(error.get('error_description')).toMatch(/PKCE/);
  });

  it.each([['traditional', () => web], ['single-page', () => spa]])('the plain method is refused for a %s app', async (_, rpOf) => {
    const verifier = client.randomPKCECodeVerifier();
    const error = await authorizationError(rpOf(), { code_challenge: verifier, code_challenge_method: 'plain' }, { pkce: false });
    expect(error.get('error')).toBe('invalid_request');
    expect(error.get('error_description')).toMatch(/code_challenge_method/);
  });

  it('a challenge without a method is refused rather than taken as plain', async () => {
    const error = await authorizationError(spa, { code_challenge: client.randomPKCECodeVerifier() }, { pkce: false });
    expect(error.get('error')).toBe('invalid_request');
  });

  it('only S256 is advertised', () => {
    expect(web.config.serverMetadata().code_challenge_methods_supported).toEqual(['S256']);
  });
});

describe('introspection', () => {
  it('tells an app about its own tokens only', async () => {
    const { tokens } = await signIn(web, new UserAgent(sesame.url), credentials);
    expect(await isActive(web, tokens.access_token)).toBe(true);
    expect(await isActive(otherWeb, tokens.access_token)).toBe(false);
  });
});

import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let user: { id: string; username: string; password: string };
let credentials: { login: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  user = await sesame.createUser({ name: 'Ada Lovelace', email: 'ada@example.com', username: 'ada' });
  credentials = { login: 'ada', password: user.password };
});
afterAll(async () => sesame?.stop());

/** The ID token checked on its own, as any relying party without openid-client would: signature by JWKS, then claims. */
async function verifyIdToken(rp: RelyingParty, idToken: string, nonce: string) {
  const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri!));
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, { issuer: sesame.url, audience: rp.clientId });
  expect(protectedHeader.alg).toBe('RS256');
  expect(protectedHeader.kid).toBeTruthy();
  expect(payload.sub).toBe(user.id);
  expect(payload.nonce).toBe(nonce);
  expect(payload.exp! > payload.iat!).toBe(true);
  return payload;
}

describe('authorization code + PKCE', () => {
  it('signs a user in to a traditional app with client_secret_basic', async () => {
    const redirectUri = 'https://app.example.com/callback';
    const app = await sesame.createApp({ name: 'Web basic', type: 'traditional', redirect_uris: [redirectUri] });
    const rp = await relyingParty(sesame, app, redirectUri, client.ClientSecretBasic(app.clientSecret!));

    const { request, callback, tokens } = await signIn(rp, new UserAgent(sesame.url), credentials, { scope: 'openid profile email' });

    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.claims()?.sub).toBe(user.id);
    await verifyIdToken(rp, tokens.id_token!, request.nonce);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, name: 'Ada Lovelace', email: 'ada@example.com', preferred_username: 'ada' });
  });

  it('signs a user in to a traditional app with client_secret_post', async () => {
    const redirectUri = 'https://post.example.com/callback';
    const app = await sesame.createApp({ name: 'Web post', type: 'traditional', redirect_uris: [redirectUri] });
    const rp = await relyingParty(sesame, app, redirectUri, client.ClientSecretPost(app.clientSecret!));

    const { request, tokens } = await signIn(rp, new UserAgent(sesame.url), credentials);

    const tokenCall = rp.responses.find((r) => r.url.endsWith('/oidc/token'));
    expect(tokenCall?.status).toBe(200);
    await verifyIdToken(rp, tokens.id_token!, request.nonce);
  });

  it('refuses a traditional app whose secret is wrong', async () => {
    const redirectUri = 'https://wrong-secret.example.com/callback';
    const app = await sesame.createApp({ name: 'Web wrong secret', type: 'traditional', redirect_uris: [redirectUri] });
    const rp = await relyingParty(sesame, { clientId: app.clientId }, redirectUri, client.ClientSecretPost('not-the-secret'));
    const failure = await signIn(rp, new UserAgent(sesame.url), credentials).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(client.ResponseBodyError);
    expect((failure as client.ResponseBodyError).error).toBe('invalid_client');
  });

  it('signs a user in to a single-page app (public client, PKCE)', async () => {
    const redirectUri = 'https://spa.example.com/';
    const app = await sesame.createApp({ name: 'SPA', type: 'spa', redirect_uris: [redirectUri] });
    expect(app.clientSecret).toBeUndefined();
    const rp = await relyingParty(sesame, app, redirectUri, client.None());

    const { request, tokens } = await signIn(rp, new UserAgent(sesame.url), credentials, { scope: 'openid email' });

    await verifyIdToken(rp, tokens.id_token!, request.nonce);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: 'ada@example.com' });
  });

  it('signs a user in to a native app with a custom scheme redirect', async () => {
    const redirectUri = 'com.example.app:/callback';
    const app = await sesame.createApp({ name: 'Native', type: 'native', redirect_uris: [redirectUri] });
    const rp = await relyingParty(sesame, app, redirectUri, client.None());

    const { request, callback, tokens } = await signIn(rp, new UserAgent(sesame.url), credentials);

    expect(callback.protocol).toBe('com.example.app:');
    expect(callback.pathname).toBe('/callback');
    await verifyIdToken(rp, tokens.id_token!, request.nonce);
  });

  it('lets a native app use any port on its registered loopback redirect (RFC 8252 §7.3)', async () => {
    const app = await sesame.createApp({ name: 'Desktop', type: 'native', redirect_uris: ['http://127.0.0.1/callback'] });
    const redirectUri = 'http://127.0.0.1:49152/callback';
    const rp = await relyingParty(sesame, app, redirectUri, client.None());

    const { callback, tokens } = await signIn(rp, new UserAgent(sesame.url), credentials);

    expect(callback.host).toBe('127.0.0.1:49152');
    expect(tokens.claims()?.sub).toBe(user.id);
  });

  it('does not ask a signed-in user to sign in again', async () => {
    const redirectUri = 'https://sso.example.com/callback';
    const app = await sesame.createApp({ name: 'SSO', type: 'traditional', redirect_uris: [redirectUri] });
    const rp = await relyingParty(sesame, app, redirectUri);
    const agent = new UserAgent(sesame.url);
    const first = await signIn(rp, agent, credentials);
    const second = await signIn(rp, agent, undefined);
    expect(second.tokens.claims()?.sub).toBe(user.id);
    expect(second.tokens.claims()?.auth_time).toBe(first.tokens.claims()?.auth_time);
  });
});

describe('protocol details', () => {
  let rp: RelyingParty;

  beforeAll(async () => {
    const redirectUri = 'https://details.example.com/callback';
    const app = await sesame.createApp({ name: 'Details', type: 'traditional', redirect_uris: [redirectUri] });
    rp = await relyingParty(sesame, app, redirectUri);
  });

  it('puts iss in the authorization response (RFC 9207) and says so in discovery', async () => {
    expect(rp.config.serverMetadata().authorization_response_iss_parameter_supported).toBe(true);
    const { callback } = await signIn(rp, new UserAgent(sesame.url), credentials);
    expect(callback.searchParams.get('iss')).toBe(sesame.url);
  });

  it('marks token responses, successful or not, as not cacheable', async () => {
    const { callback, request } = await signIn(rp, new UserAgent(sesame.url), credentials);
    const success = rp.responses.findLast((r) => r.url.endsWith('/oidc/token'))!;
    expect(success.status).toBe(200);
    expect(success.headers.get('cache-control')).toBe('no-store');

    await client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state })
      .catch(() => undefined);
    const failure = rp.responses.findLast((r) => r.url.endsWith('/oidc/token'))!;
    expect(failure.status).toBe(400);
    expect(failure.headers.get('cache-control')).toBe('no-store');
  });

  it('signs ID tokens with a key published at the JWKS endpoint', async () => {
    const { tokens } = await signIn(rp, new UserAgent(sesame.url), credentials);
    const { kid } = decodeProtectedHeader(tokens.id_token!);
    const jwks = await (await fetch(rp.config.serverMetadata().jwks_uri!)).json() as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
  });
});

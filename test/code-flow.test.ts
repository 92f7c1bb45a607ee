import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let user: { id: string; username: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  user = await sesame.createUser({ name: 'Ada Lovelace', email: 'ada@example.com', username: 'ada' });
});
afterAll(async () => sesame?.stop());

async function discover(clientId: string, secret?: string, auth?: client.ClientAuth) {
  return client.discovery(new URL(sesame.url), clientId, secret, auth, { execute: [client.allowInsecureRequests] });
}

describe('authorization code + PKCE', () => {
  it('signs a user in to a traditional app with client_secret_basic', async () => {
    const redirectUri = 'https://app.example.com/callback';
    const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirectUris: [redirectUri] });
    const config = await discover(app.clientId, app.clientSecret, client.ClientSecretBasic(app.clientSecret!));
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await new UserAgent(sesame.url).authorize(url.toString(), { login: 'ada', password: user.password });
    expect(callback.searchParams.get('iss')).toBe(sesame.url);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()?.sub).toBe(user.id);
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, name: 'Ada Lovelace', email: 'ada@example.com', preferred_username: 'ada' });
    expect(info.phone_number).toBeUndefined();
  });
});

import * as oauth from 'oauth4webapi';
import { InMemoryWebStorage, OidcClient, WebStorageStateStore } from 'oidc-client-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentials, createManagementApp } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** RFC 7009 token revocation, as client libraries call it (issue 12 §2). */

let sesame: TestSesame;
let app: { clientId: string; clientSecret: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  app = await createManagementApp(sesame, 'Revoker');
});
afterAll(async () => sesame?.stop());

async function newToken(): Promise<string> {
  return (await (await clientCredentials(sesame, app)).json() as { access_token: string }).access_token;
}

async function introspect(token: string): Promise<boolean> {
  const response = await fetch(`${sesame.url}/oidc/token/introspection`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return (await response.json() as { active: boolean }).active;
}

describe('the revocation endpoint', () => {
  it('answers 200 with a JSON body, whether the token was known or not', async () => {
    for (const token of [await newToken(), 'no-such-token']) {
      const response = await fetch(`${sesame.url}/oidc/token/revocation`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({});
    }
  });

  it('still answers its errors in OAuth JSON', async () => {
    const response = await fetch(`${sesame.url}/oidc/token/revocation`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${app.clientId}:wrong`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'x' }),
    });
    expect(response.status).toBe(401);
    expect((await response.json() as { error: string }).error).toBe('invalid_client');
  });

  it('revokes for oauth4webapi, found through discovery', async () => {
    const issuer = new URL(sesame.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    expect(as.revocation_endpoint).toBe(`${sesame.url}/oidc/token/revocation`);
    const token = await newToken();
    const response = await oauth.revocationRequest(as, { client_id: app.clientId }, oauth.ClientSecretBasic(app.clientSecret), token, { [oauth.allowInsecureRequests]: true });
    await oauth.processRevocationResponse(response);
    expect(await introspect(token)).toBe(false);
  });

  it('revokes for oidc-client-ts (its token client, the one revokeTokensOnSignout uses)', async () => {
    const rp = new OidcClient({
      authority: sesame.url,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: 'https://unused.example.com/cb',
      stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    });
    const token = await newToken();
    await rp.revokeToken(token, 'access_token');
    expect(await introspect(token)).toBe(false);
  });
});

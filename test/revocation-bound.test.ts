import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInToAccount } from './support/account.ts';
import { allow, authorizeUntilConsent, decide, giveRole } from './support/consent.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Revocation that bites (issue 15 §2). An API checks a JWT access token on its own, so *Revoke access* cannot stop
 * one before it expires: third-party apps get short-lived ones (SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL, here a few
 * seconds so the worst case can be measured), and an API that takes opaque tokens learns of the revocation at
 * once at the introspection endpoint. First-party apps keep SESAME_ACCESS_TOKEN_TTL.
 */
const bound = 3;
const jwtApi = { name: 'Notes API', indicator: 'https://api.example.com/notes', scopes: ['read:notes'] };
const opaqueApi = { name: 'Vault API', indicator: 'https://vault.example.com', scopes: ['read:vault'] };
const redirectUri = 'https://partner.example.com/callback';

let sesame: TestSesame;
let partner: RelyingParty;
let partnerId: string;
let firstParty: RelyingParty;
let vaultServer: { clientId: string; clientSecret: string };
let person: { id: string; login: string; password: string };
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL: String(bound) });
  jwks = createRemoteJWKSet(new URL(`${sesame.url}/oidc/jwks`));
  const user = await sesame.createUser({ name: 'Ada Lovelace' });
  person = { id: user.id, login: user.username, password: user.password };
  await giveRole(sesame, user.id, jwtApi, ['read:notes']);
  await giveRole(sesame, user.id, opaqueApi, ['read:vault']);
  await sesame.sesame.db.updateTable('api_resources').set({ access_token_format: 'opaque' }).where('indicator', '=', opaqueApi.indicator).execute();
  const third = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  partnerId = third.clientId;
  await allow(sesame, third.clientId, ['profile'], [{ indicator: jwtApi.indicator, scope: 'read:notes' }, { indicator: opaqueApi.indicator, scope: 'read:vault' }]);
  partner = await relyingParty(sesame, third, redirectUri);
  firstParty = await relyingParty(sesame, await sesame.createApp({ name: 'Own app', type: 'traditional', redirect_uris: [redirectUri] }), redirectUri);
  // The vault API's own server: a machine-to-machine app the admin allowed a scope of that API.
  const server = await sesame.createApp({ name: 'Vault server', type: 'm2m' });
  vaultServer = { clientId: server.clientId, clientSecret: server.clientSecret! };
  await allow(sesame, server.clientId, [], [{ indicator: opaqueApi.indicator, scope: 'read:vault' }]);
});
afterAll(async () => sesame?.stop());

/** The partner signs the person in through its consent screen, allowing everything; answers its tokens. */
async function connectPartner(agent: UserAgent) {
  const request = await authorizationRequest(partner, { scope: 'openid profile offline_access read:notes read:vault' });
  for (const api of [jwtApi, opaqueApi]) request.url.searchParams.append('resource', api.indicator);
  const step = await authorizeUntilConsent(agent, request.url.toString(), person);
  const callback = 'consent' in step
    ? await decide(agent, step.consent, ['profile', 'offline_access', `${jwtApi.indicator} read:notes`, `${opaqueApi.indicator} read:vault`])
    : step.callback;
  return exchangeCode(partner, request, callback);
}

/** What a resource server does with a JWT: checks its signature, issuer, audience and expiry, nothing else. */
async function apiAccepts(token: string): Promise<boolean> {
  return jwtVerify(token, jwks, { issuer: sesame.url, audience: jwtApi.indicator }).then(() => true, () => false);
}

/** What the vault API's server does with an opaque token: asks Sesame. */
async function introspectAs(app: { clientId: string; clientSecret: string }, token: string): Promise<{ active: boolean; sub?: string; aud?: unknown }> {
  const response = await fetch(`${sesame.url}/oidc/token/introspection`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  expect(response.status).toBe(200);
  return response.json() as Promise<{ active: boolean }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('access token lifetimes', () => {
  it('a third-party app\'s JWT lives SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL; a first-party app\'s keeps SESAME_ACCESS_TOKEN_TTL', async () => {
    const { refresh_token } = await connectPartner(new UserAgent(sesame.url));
    const partnerJwt = decodeJwt((await client.refreshTokenGrant(partner.config, refresh_token!, { resource: jwtApi.indicator })).access_token);
    expect(partnerJwt.exp! - partnerJwt.iat!).toBe(bound);

    const request = await authorizationRequest(firstParty, { scope: 'openid offline_access read:notes', resource: jwtApi.indicator });
    const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
    const own = await exchangeCode(firstParty, request, callback, { resource: jwtApi.indicator });
    const ownJwt = decodeJwt(own.access_token);
    expect(ownJwt.exp! - ownJwt.iat!).toBe(sesame.sesame.config.ttl.accessToken);
  });

  it('the app\'s own lifetime and the API resource\'s apply too: the shorter wins', async () => {
    const db = sesame.sesame.db;
    await db.updateTable('api_resources').set({ access_token_ttl: 120 }).where('indicator', '=', jwtApi.indicator).execute();
    try {
      const request = await authorizationRequest(firstParty, { scope: 'openid read:notes', resource: jwtApi.indicator });
      const callback = await new UserAgent(sesame.url).authorize(request.url.toString(), person);
      const own = decodeJwt((await exchangeCode(firstParty, request, callback, { resource: jwtApi.indicator })).access_token);
      // The resource's lifetime, which SESAME_ACCESS_TOKEN_TTL used to override.
      expect(own.exp! - own.iat!).toBe(120);

      const { refresh_token } = await connectPartner(new UserAgent(sesame.url));
      const short = decodeJwt((await client.refreshTokenGrant(partner.config, refresh_token!, { resource: jwtApi.indicator })).access_token);
      expect(short.exp! - short.iat!).toBe(bound);

      await db.updateTable('applications').set({ access_token_ttl: 60 }).where('id', '=', partnerId).execute();
      const again = await connectPartner(new UserAgent(sesame.url));
      const longer = decodeJwt((await client.refreshTokenGrant(partner.config, again.refresh_token!, { resource: jwtApi.indicator })).access_token);
      expect(longer.exp! - longer.iat!).toBe(60);
    } finally {
      await db.updateTable('applications').set({ access_token_ttl: null }).where('id', '=', partnerId).execute();
      await db.updateTable('api_resources').set({ access_token_ttl: null }).where('indicator', '=', jwtApi.indicator).execute();
    }
  });
});

describe('Revoke access, measured', () => {
  it('a JWT obtained just before Revoke access is refused by the API within the bound; opaque and userinfo tokens at once', async () => {
    const tokens = await connectPartner(new UserAgent(sesame.url));
    // The person opens the confirmation first, so the JWT below is as young as it can be when they press the button.
    const agent = new UserAgent(sesame.url);
    const page = await signInToAccount(sesame, agent, person);
    // The person is told how soon it bites: 3 seconds, rounded up to a minute.
    expect(page).toContain('Revoking takes effect within 1 minute');
    const entry = /<form method="get" action="(\/account\/apps\/[^"]+\/revoke)">/.exec(page.slice(page.indexOf('<h3>Partner</h3>')))!;
    const confirmation = await (await agent.follow(`${sesame.url}${entry[1]}`)).response.text();
    expect(confirmation).toContain('Revoking takes effect within 1 minute');
    const form = /<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrf" value="([^"]+)">/.exec(confirmation)!;

    // Refresh tokens rotate: each refresh gives the next one. (The code's userinfo token, as short-lived, may be gone.)
    const forUserinfo = await client.refreshTokenGrant(partner.config, tokens.refresh_token!);
    const forOpaque = await client.refreshTokenGrant(partner.config, forUserinfo.refresh_token!, { resource: opaqueApi.indicator });
    const forJwt = await client.refreshTokenGrant(partner.config, forOpaque.refresh_token!, { resource: jwtApi.indicator });
    const [jwt, opaque, refreshToken] = [forJwt.access_token, forOpaque.access_token, forJwt.refresh_token!];
    expect(opaque.split('.')).toHaveLength(1);
    expect(await apiAccepts(jwt)).toBe(true);
    expect(await introspectAs(vaultServer, opaque)).toMatchObject({ active: true, sub: person.id, aud: opaqueApi.indicator });
    expect(await userinfoStatus(partner, forUserinfo.access_token)).toBe(200);

    const revoked = await agent.follow(`${sesame.url}${form[1]}`, { form: { csrf: form[2]! } });
    const revokedAt = Date.now();
    expect(revoked.url).toBe(`${sesame.url}/account?revoked=${partnerId}`);
    expect(await apiAccepts(jwt)).toBe(true);

    // At once: the opaque API token (introspection), the userinfo token and the refresh token.
    expect(await introspectAs(vaultServer, opaque)).toEqual({ active: false });
    expect(await userinfoStatus(partner, forUserinfo.access_token)).toBe(401);
    await expect(client.refreshTokenGrant(partner.config, refreshToken)).rejects.toThrow();

    // The JWT: the API keeps accepting it until it expires, then refuses it. Checked until it does.
    const { exp } = decodeJwt(jwt);
    let refusedAt: number | undefined;
    while (refusedAt === undefined) {
      if (!await apiAccepts(jwt)) refusedAt = Date.now();
      else await sleep(100);
    }
    const worstCase = exp! * 1000 - revokedAt;
    console.info(`revocation bound ${bound}s: JWT refused ${refusedAt - revokedAt} ms after Revoke access (expiry ${worstCase} ms after it); opaque and userinfo tokens at the first request`);
    // The API refuses it from its expiry on, which is never later than the bound after the revocation.
    expect(worstCase).toBeLessThanOrEqual(bound * 1000);
    expect(Math.floor(refusedAt / 1000)).toBeGreaterThanOrEqual(exp!);
  });

  it('the admin sees the bound with the grant; an app that holds only opaque tokens is stopped at once', async () => {
    await connectPartner(new UserAgent(sesame.url));
    const api = apiClient(sesame, await managementToken(sesame));
    const grants = await api('GET', `/api/users/${person.id}/grants`);
    expect(grants.body.data.find((g: { client_id: string }) => g.client_id === partnerId)).toMatchObject({ revocation_bound_seconds: bound });

    await sesame.sesame.db.updateTable('api_resources').set({ access_token_format: 'opaque' }).where('indicator', '=', jwtApi.indicator).execute();
    try {
      const after = await api('GET', `/api/users/${person.id}/grants`);
      expect(after.body.data.find((g: { client_id: string }) => g.client_id === partnerId)).toMatchObject({ revocation_bound_seconds: 0 });
      const page = await signInToAccount(sesame, new UserAgent(sesame.url), person);
      expect(page).toContain('Revoking takes effect at once.');
    } finally {
      await sesame.sesame.db.updateTable('api_resources').set({ access_token_format: 'jwt' }).where('indicator', '=', jwtApi.indicator).execute();
    }
    expect((await api('DELETE', `/api/users/${person.id}/grants/${partnerId}`)).status).toBe(204);
  });
});

describe('who may introspect an opaque API token', () => {
  it('the API\'s own server and the token\'s app; any other app learns nothing', async () => {
    // Long enough that no answer below is an expiry's.
    await sesame.sesame.db.updateTable('applications').set({ access_token_ttl: 600 }).where('id', '=', partnerId).execute();
    try {
      const tokens = await connectPartner(new UserAgent(sesame.url));
      const opaque = (await client.refreshTokenGrant(partner.config, tokens.refresh_token!, { resource: opaqueApi.indicator })).access_token;
      expect((await client.tokenIntrospection(partner.config, opaque)).active).toBe(true);
      expect((await introspectAs(vaultServer, opaque)).active).toBe(true);

      // Another machine-to-machine app, allowed nothing of the vault API.
      const stranger = await sesame.createApp({ name: 'Stranger', type: 'm2m' });
      await allow(sesame, stranger.clientId, [], [{ indicator: jwtApi.indicator, scope: 'read:notes' }]);
      expect(await introspectAs({ clientId: stranger.clientId, clientSecret: stranger.clientSecret! }, opaque)).toEqual({ active: false });
      // Another third-party app, even one allowed the vault API's scope: it is no API server.
      const other = await sesame.createApp({ name: 'Other', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
      await allow(sesame, other.clientId, [], [{ indicator: opaqueApi.indicator, scope: 'read:vault' }]);
      expect(await introspectAs({ clientId: other.clientId, clientSecret: other.clientSecret! }, opaque)).toEqual({ active: false });
      // The vault server may not read the partner's userinfo token, which is not its API's.
      expect((await client.tokenIntrospection(partner.config, tokens.access_token)).active).toBe(true);
      expect(await introspectAs(vaultServer, tokens.access_token)).toEqual({ active: false });
      expect((await introspectAs(vaultServer, opaque)).active).toBe(true);
    } finally {
      await sesame.sesame.db.updateTable('applications').set({ access_token_ttl: null }).where('id', '=', partnerId).execute();
    }
  });
});

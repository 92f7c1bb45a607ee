import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allow, authorizeUntilConsent, decide, giveRole, revokeOnAccountPage } from './support/consent.ts';
import { signInToAccount } from './support/account.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, expectOAuthError, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/** Issue 15 §1: a person's decision is Sesame's own record; tokens and grants come and go without it. */

const notes = { name: 'Notes API', indicator: 'https://api.example.com/notes', scopes: ['read:notes', 'write:notes'] };
const redirectUri = 'https://partner.example.com/callback';
const postLogoutUri = 'https://partner.example.com/signed-out';

let sesame: TestSesame;
let partner: RelyingParty;
let partnerId: string;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  const app = await sesame.createApp({
    name: 'Notes Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri], post_logout_redirect_uris: [postLogoutUri],
  });
  partnerId = app.clientId;
  partner = await relyingParty(sesame, app, redirectUri);
  // The API resource exists before the app is allowed its scopes.
  await giveRole(sesame, (await sesame.createUser()).id, notes, notes.scopes);
  await allowEverything();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

async function newPerson() {
  const user = await sesame.createUser();
  await giveRole(sesame, user.id, notes, notes.scopes);
  return { id: user.id, credentials: { login: user.username, password: user.password } };
}

async function authorize(agent: UserAgent, credentials: { login: string; password: string }, params: Record<string, string> = {}) {
  const request = await authorizationRequest(partner, { scope: 'openid profile offline_access', ...params });
  return { request, step: await authorizeUntilConsent(agent, request.url.toString(), credentials) };
}

/** Signs in and consents to everything asked; answers the tokens. */
async function consentedSignIn(agent: UserAgent, credentials: { login: string; password: string }, params: Record<string, string> = {}) {
  const { request, step } = await authorize(agent, credentials, params);
  if (!('consent' in step)) throw new Error('expected the consent screen');
  const ticked = [...step.consent.page.matchAll(/name="grant" value="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  const callback = await decide(agent, step.consent, ticked);
  return exchangeCode(partner, request, callback);
}

async function auditTypes(userId: string): Promise<{ type: string; details: Record<string, unknown> }[]> {
  const rows = await sesame.sesame.db.selectFrom('audit_events').select(['type', 'details'])
    .where('user_id', '=', userId).where('client_id', '=', partnerId).orderBy('created_at').execute();
  return rows.map((r) => ({ type: r.type, details: r.details as Record<string, unknown> }));
}

const allowEverything = () => allow(sesame, partnerId, ['profile', 'email'], notes.scopes.map((scope) => ({ indicator: notes.indicator, scope })));

describe('consent outlives the tokens an app revokes', () => {

  it('like mod_auth_openidc: the refresh token revoked at sign-out, the next sign-in shows no consent screen', async () => {
    const person = await newPerson();
    const agent = new UserAgent(sesame.url);
    const tokens = await consentedSignIn(agent, person.credentials);
    expect(tokens.refresh_token).toBeTruthy();

    // mod_auth_openidc's logout: revoke the refresh token (oidc-provider then ends its grant), then RP-initiated logout.
    await client.tokenRevocation(partner.config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    await expectOAuthError(client.refreshTokenGrant(partner.config, tokens.refresh_token!), 'invalid_grant');
    const logoutUrl = client.buildEndSessionUrl(partner.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutUri });
    const confirm = await agent.request(logoutUrl.toString());
    const form = parseForm(await confirm.text(), logoutUrl.toString());
    await agent.request(form.action, { form: { ...form.fields, logout: 'yes' } });

    const again = await authorize(agent, person.credentials);
    expect('callback' in again.step, 'no consent screen after the app revoked its own refresh token').toBe(true);
    if (!('callback' in again.step)) return;
    const renewed = await exchangeCode(partner, again.request, again.step.callback);
    expect(renewed.refresh_token, 'offline access is still granted').toBeTruthy();
    expect(renewed.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);

    // Nor in another browser.
    const elsewhere = await authorize(new UserAgent(sesame.url), person.credentials);
    expect('callback' in elsewhere.step).toBe(true);
    expect((await auditTypes(person.id)).map((e) => e.type)).not.toContain('consent.revoked');
  });

  it('a replayed refresh token ends the token family, not the consent', async () => {
    const person = await newPerson();
    const agent = new UserAgent(sesame.url);
    const tokens = await consentedSignIn(agent, person.credentials);
    await client.refreshTokenGrant(partner.config, tokens.refresh_token!);
    await expectOAuthError(client.refreshTokenGrant(partner.config, tokens.refresh_token!), 'invalid_grant');
    const again = await authorize(new UserAgent(sesame.url), person.credentials);
    expect('callback' in again.step).toBe(true);
  });
});

describe('who ends consent', () => {
  it('the person, with Revoke access: tokens die at once, the next sign-in asks again, and the audit trail says who', async () => {
    const person = await newPerson();
    const agent = new UserAgent(sesame.url);
    const tokens = await consentedSignIn(agent, person.credentials);
    const account = await signInToAccount(sesame, agent, person.credentials);
    expect(account).toContain('<h3>Notes Partner</h3>');
    await revokeOnAccountPage(agent, sesame.url, account);
    await expectOAuthError(client.refreshTokenGrant(partner.config, tokens.refresh_token!), 'invalid_grant');
    const again = await authorize(new UserAgent(sesame.url), person.credentials);
    expect('consent' in again.step).toBe(true);
    const ended = (await auditTypes(person.id)).filter((e) => e.type === 'consent.revoked');
    expect(ended).toHaveLength(1);
    expect(ended[0]!.details).toMatchObject({ by: 'user', reason: 'revoked' });
  });

  it('an admin, through the Management API: asks again, tokens dead, audited with the admin', async () => {
    const person = await newPerson();
    const tokens = await consentedSignIn(new UserAgent(sesame.url), person.credentials);
    const listed = await api<{ data: { client_id: string; user_scopes: string[] }[] }>('GET', `/api/users/${person.id}/grants`);
    const grants = listed.body.data;
    expect(grants.find((g) => g.client_id === partnerId)?.user_scopes).toEqual(['offline_access', 'openid', 'profile']);
    const response = await api('DELETE', `/api/users/${person.id}/grants/${partnerId}`);
    expect(response.status).toBe(204);
    await expectOAuthError(client.refreshTokenGrant(partner.config, tokens.refresh_token!), 'invalid_grant');
    expect('consent' in (await authorize(new UserAgent(sesame.url), person.credentials)).step).toBe(true);
    const ended = (await auditTypes(person.id)).filter((e) => e.type === 'consent.revoked');
    expect(ended[0]!.details).toMatchObject({ by: 'admin', reason: 'revoked' });
  });

  it('a narrower allowlist: the consent keeps only what is still allowed, and its tokens too', async () => {
    const person = await newPerson();
    const scopes = `openid profile email offline_access ${notes.scopes.join(' ')}`;
    const tokens = await consentedSignIn(new UserAgent(sesame.url), person.credentials, { scope: scopes, resource: notes.indicator });
    expect(tokens.refresh_token).toBeTruthy();
    const narrowed = await api('PUT', `/api/applications/${partnerId}/permissions`, {
      user_scopes: ['profile'], resource_scopes: [{ resource: notes.indicator, scope: 'read:notes' }],
    });
    expect(narrowed.status).toBe(200);
    try {
      // Nothing issued under the wider permission survives it.
      await expectOAuthError(client.refreshTokenGrant(partner.config, tokens.refresh_token!, { resource: notes.indicator }), 'invalid_grant');
      const again = await authorize(new UserAgent(sesame.url), person.credentials, { scope: 'openid profile offline_access read:notes', resource: notes.indicator });
      expect('callback' in again.step, 'what is still allowed stays consented').toBe(true);
      const event = (await auditTypes(person.id)).find((e) => e.type === 'consent.narrowed');
      expect(event?.details).toMatchObject({ by: 'admin', removed: expect.arrayContaining(['email', `${notes.indicator} write:notes`]) });
    } finally {
      await allowEverything();
    }
  });

  it('expiry: a consent past its end asks again, and the end is audited', async () => {
    const person = await newPerson();
    await consentedSignIn(new UserAgent(sesame.url), person.credentials);
    await sesame.sesame.db.updateTable('consents').set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', person.id).where('client_id', '=', partnerId).execute();
    expect('consent' in (await authorize(new UserAgent(sesame.url), person.credentials)).step).toBe(true);
    const ended = (await auditTypes(person.id)).filter((e) => e.type === 'consent.expired');
    expect(ended).toHaveLength(1);
    expect(ended[0]!.details).toMatchObject({ by: 'expiry' });
  });
});

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClientId, consoleRedirectUri } from '../src/console/console-client.ts';
import { runCommand } from '../src/cli/commands.ts';
import { PostgresAdapter } from '../src/oidc/adapter.ts';
import { findUnsafeParam } from '../src/oidc/unsafe-params.ts';
import { authorizeUntilConsent, decide, revokeOnAccountPage } from './support/consent.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, signIn, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * issue 10 §1: no value a client sends may make a stored artifact unreadable or a later query fail. Hostile values
 * go through every public endpoint that stores something; poisoned artifacts are then also stored directly (as if
 * something had let them through); every admin operation on users, apps and grants still works afterwards.
 *
 * POST /oidc/auth is enabled by another change of issue 10 (§5); its body reaches the same parameter check as GET
 * (oidc-provider's extraParams step), and a case for it belongs here once it answers.
 */
let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let web: RelyingParty;
let webSecret: string;
let partner: RelyingParty;
const webRedirect = 'https://web.example.com/cb';
const partnerRedirect = 'https://partner.example.com/cb';

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const webApp = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [webRedirect], post_logout_redirect_uris: ['https://web.example.com/bye'] });
  webSecret = webApp.clientSecret!;
  web = await relyingParty(sesame, webApp, webRedirect);
  const partnerApp = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: [partnerRedirect] });
  partner = await relyingParty(sesame, partnerApp, partnerRedirect);
  expect((await api('PUT', '/api/sign-in-experience', { self_registration: true })).status).toBe(200);
});
afterAll(async () => sesame?.stop());

const nul = '\u0000';
const controls = ['\u0001', '\u001b', '\u001f'];
/** A JSON text with a lone surrogate in it, as a JSON-valued parameter (claims) can carry it. */
const loneSurrogateClaims = '{"userinfo":{"\\ud800":null},"id_token":{"email":{"value":"\\udfff"}}}';
const nulClaims = '{"userinfo":{"email":{"value":"a\\u0000b"}}}';
/** As deep as a 16 KB URL allows. */
const deepClaims = (depth: number) => `{"userinfo":{"email":{"values":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
const megabyte = 'x'.repeat(1024 * 1024);

async function send(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  return { status: response.status, location: response.headers.get('location') ?? '', text };
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
});

/** An authorization request of the console's public client, with `extra` parameters added. */
function consoleAuthUrl(extra: Record<string, string>) {
  const query = new URLSearchParams({
    client_id: consoleClientId, redirect_uri: consoleRedirectUri(sesame.url), response_type: 'code', scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGEy6Ye5Bw', code_challenge_method: 'S256', state: 'st', ...extra,
  });
  return `${sesame.url}/oidc/auth?${query}`;
}

async function storedArtifactsHolding(...needles: string[]): Promise<number> {
  const rows = await sesame.sesame.db.selectFrom('oidc_models').select(['model', 'id']).select((eb) => eb.cast('payload', 'text').as('text')).execute();
  return rows.filter((row) => needles.some((needle) => (row as unknown as { text: string }).text.includes(needle))).length;
}

describe('hostile values at the public endpoints', () => {
  it('the authorization endpoint refuses control characters and lone surrogates with an error redirect, storing nothing', async () => {
    const cases: Record<string, string>[] = [
      { nonce: nul }, { nonce: `a${nul}b` }, { state: `s${nul}` }, { login_hint: `bob${nul}` }, { ui_locales: `en${nul}` },
      ...controls.map((c) => ({ nonce: `n${c}` })),
      { acr_values: `x${nul}` }, { max_age: `1${nul}` },
    ];
    // Sesame does not enable the claims parameter, so oidc-provider drops it; it is sent all the same, to be stored
    // nowhere, and the check that would refuse it once enabled is run directly below.
    for (const claims of [loneSurrogateClaims, nulClaims, deepClaims(2000)]) {
      expect((await send(consoleAuthUrl({ claims }))).status).toBe(303);
      expect(findUnsafeParam({ claims })).toBe('claims');
    }
    expect(findUnsafeParam({ claims: '{\n\t"userinfo": {"email": {"essential": true}}\r\n}', state: 'ok' })).toBeUndefined();
    expect(await storedArtifactsHolding('\\u0000', '\\ud800', '\\udfff')).toBe(0);
    await sesame.sesame.db.deleteFrom('oidc_models').where('model', '=', 'Interaction').execute();
    for (const extra of cases) {
      const response = await send(consoleAuthUrl(extra));
      expect(response.status, JSON.stringify(extra)).toBe(303);
      const location = new URL(response.location, sesame.url);
      expect(`${location.origin}${location.pathname}`, JSON.stringify(extra)).toBe(consoleRedirectUri(sesame.url));
      expect(location.searchParams.get('error'), JSON.stringify(extra)).toBe('invalid_request');
    }
    const stored = await sesame.sesame.db.selectFrom('oidc_models').select('id').where('model', '=', 'Interaction').execute();
    expect(stored).toEqual([]);
    expect(await storedArtifactsHolding('\\u0000', '\\ud800', '\\udfff')).toBe(0);
  });

  it('nothing else a client or a person sends stores a poisoned artifact or answers 5xx', async () => {
    const statuses: [string, number][] = [];
    const note = (label: string, status: number) => statuses.push([label, status]);

    // A long but legal value and a large body.
    note('auth long state', (await send(consoleAuthUrl({ state: 's'.repeat(12_000) }))).status);
    note('token 1 MB body', (await send(`${sesame.url}/oidc/token`, form({ grant_type: 'authorization_code', code: megabyte, client_id: web.clientId }))).status);
    for (const c of [nul, '\u0001']) {
      note('token code', (await send(`${sesame.url}/oidc/token`, form({ grant_type: 'authorization_code', code: `c${c}`, redirect_uri: webRedirect, client_id: web.clientId, client_secret: webSecret }))).status);
      note('token refresh', (await send(`${sesame.url}/oidc/token`, form({ grant_type: 'refresh_token', refresh_token: `r${c}`, client_id: web.clientId, client_secret: webSecret }))).status);
      note('token client_id', (await send(`${sesame.url}/oidc/token`, form({ grant_type: 'client_credentials', client_id: `x${c}`, client_secret: 'y' }))).status);
      note('token json', (await send(`${sesame.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: `\ud800${c}` }) })).status);
      note('revocation', (await send(`${sesame.url}/oidc/token/revocation`, form({ token: `t${c}`, client_id: web.clientId, client_secret: webSecret }))).status);
      note('introspection', (await send(`${sesame.url}/oidc/token/introspection`, form({ token: `t${c}`, client_id: web.clientId, client_secret: webSecret }))).status);
      note('userinfo', (await send(`${sesame.url}/oidc/me?access_token=t${encodeURIComponent(c)}`)).status);
    }

    // A person signed in: end_session keeps `state` in the session; the interaction pages take forms.
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    await signIn(web, agent, { login: user.username, password: user.password });
    for (const state of [`s${nul}`, 's\u0001', 's'.repeat(10_000)]) {
      const query = new URLSearchParams({ client_id: web.clientId, post_logout_redirect_uri: 'https://web.example.com/bye', state });
      note('end_session GET', (await agent.request(`${sesame.url}/oidc/session/end?${query}`)).status);
      note('end_session POST', (await agent.request(`${sesame.url}/oidc/session/end`, { form: { client_id: web.clientId, state } })).status);
    }
    note('end_session 1 MB', (await agent.request(`${sesame.url}/oidc/session/end`, { form: { client_id: web.clientId, state: megabyte } })).status);

    const visitor = new UserAgent(sesame.url);
    const request = await authorizationRequest(web);
    const { response, url: pageUrl } = await visitor.follow(request.url.toString());
    const page = parseForm(await response.text(), pageUrl);
    for (const login of [`bob${nul}`, 'bob\ud800', 'x'.repeat(300)]) {
      note('sign-in form', (await visitor.request(page.action, { form: { ...page.fields, login, password: `p${nul}` } })).status);
    }
    note('sign-in 1 MB', (await visitor.request(page.action, { form: { ...page.fields, login: megabyte, password: 'x' } })).status);
    const signUp = page.action.replace(/\/login$/, '/sign-up');
    for (const username of [`new${nul}`, 'new\u0001', 'new\ud800']) {
      note('sign-up form', (await visitor.request(signUp, { form: { ...page.fields, username, email: `a${nul}@example.com`, password: `long passphrase${nul}`, password_confirmation: `long passphrase${nul}` } })).status);
    }

    expect(statuses.filter(([, status]) => status >= 500)).toEqual([]);
    expect(await storedArtifactsHolding('\\u0000', '\\ud800')).toBe(0);
  });
});

describe('admin operations with poisoned artifacts stored', () => {
  /** A user signed in to the first-party app (opaque access token) and to the third-party one (a grant). */
  async function signedInUser() {
    const user = await sesame.createUser();
    const agent = new UserAgent(sesame.url);
    const { tokens } = await signIn(web, agent, { login: user.username, password: user.password }, { scope: 'openid profile offline_access' });
    const request = await authorizationRequest(partner, { scope: 'openid offline_access' });
    const step = await authorizeUntilConsent(agent, request.url.toString(), { login: user.username, password: user.password });
    if (!('consent' in step)) throw new Error('expected the consent screen');
    const partnerTokens = await exchangeCode(partner, request, await decide(agent, step.consent, ['offline_access']));
    return { ...user, agent, accessToken: tokens.access_token, partnerRefresh: partnerTokens.refresh_token! };
  }

  /** What the engine stores, with hostile values where a client's parameters would sit. */
  async function poison(accountId: string, clientId: string) {
    const db = sesame.sesame.db;
    const now = Math.floor(Date.now() / 1000);
    const hostile = { nul: `a${nul}b`, lone: '\ud800', low: 'x\udfffy', control: '\u0001\u001b', big: megabyte };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 1_000; i++) deep = [deep];
    const id = (name: string) => `poison-${name}-${Math.random().toString(36).slice(2)}`;
    await new PostgresAdapter(db, 'Interaction').upsert(id('interaction'), {
      iat: now, exp: now + 3600, kind: 'Interaction', returnTo: `${sesame.url}/oidc/auth/x`,
      params: { client_id: clientId, nonce: hostile.nul, state: hostile.lone, claims: JSON.stringify({ userinfo: { [hostile.lone]: null } }) },
      prompt: { name: 'login', reasons: [hostile.control], details: {} }, session: { accountId, uid: hostile.nul },
    }, 3600);
    await new PostgresAdapter(db, 'Interaction').upsert(id('big'), { iat: now, exp: now + 3600, kind: 'Interaction', params: { client_id: clientId, nonce: hostile.big } }, 3600);
    await new PostgresAdapter(db, 'Interaction').upsert(id('deep'), { iat: now, exp: now + 3600, kind: 'Interaction', params: { client_id: clientId }, claims: deep } as never, 3600);
    await new PostgresAdapter(db, 'Interaction').upsert(id('bad-client'), { iat: now, exp: now + 3600, kind: 'Interaction', params: { client_id: `${clientId}${nul}` }, session: { accountId: { not: 'a string' } } } as never, 3600);
    await new PostgresAdapter(db, 'Session').upsert(id('session'), {
      iat: now, exp: now + 3600, kind: 'Session', uid: id('uid'), accountId, state: { secret: 'x', state: hostile.nul, clientId: hostile.lone },
    }, 3600);
    await new PostgresAdapter(db, 'Grant').upsert(id('grant'), {
      iat: now, exp: now + 3600, kind: 'Grant', accountId, clientId, openid: { scope: 'openid', claims: [hostile.nul, hostile.lone] },
    }, 3600);
    await new PostgresAdapter(db, 'AccessToken').upsert(id('at'), {
      iat: now, exp: now + 3600, kind: 'AccessToken', accountId, clientId, extra: { a: hostile.nul, b: hostile.low }, scope: 'openid',
    }, 3600);
  }

  async function expectActive(accessToken: string, active: boolean) {
    expect(await userinfoStatus(web, accessToken)).toBe(active ? 200 : 401);
  }

  it('the CLI suspends, unsuspends, sets passwords and deletes users and apps', async () => {
    const { db, sealer, config } = sesame.sesame;
    const cli = (name: Parameters<typeof runCommand>[1], options: Record<string, unknown>) => runCommand({ db, sealer, config }, name, options);
    // The request of the issue, through the public console client, before anything else.
    await send(consoleAuthUrl({ nonce: nul }));
    const victim = await signedInUser();
    await poison(victim.id, web.clientId);
    await poison(victim.id, partner.clientId);
    await expectActive(victim.accessToken, true);

    await cli('users suspend', { id: victim.id });
    await expectActive(victim.accessToken, false);
    await expect(client.refreshTokenGrant(partner.config, victim.partnerRefresh)).rejects.toMatchObject({ error: 'invalid_grant' });
    await cli('users unsuspend', { id: victim.id });

    const again = await signedInUser();
    await poison(again.id, web.clientId);
    await cli('users set-password', { id: again.id, password: 'another long passphrase' });
    await expectActive(again.accessToken, false);

    const doomed = await signedInUser();
    await poison(doomed.id, web.clientId);
    await cli('users delete', { id: doomed.id });
    await expectActive(doomed.accessToken, false);

    const app = await sesame.createApp({ name: 'Doomed', type: 'traditional', redirect_uris: ['https://doomed.example.com/cb'] });
    const doomedApp = await relyingParty(sesame, app, 'https://doomed.example.com/cb');
    const user = await sesame.createUser();
    const { tokens } = await signIn(doomedApp, new UserAgent(sesame.url), { login: user.username, password: user.password });
    await poison(user.id, app.clientId);
    await cli('apps delete', { id: app.clientId });
    expect(await userinfoStatus(doomedApp, tokens.access_token)).toBe(401);
    const left = await db.selectFrom('oidc_models').select('id').where('client_id', '=', app.clientId).execute();
    expect(left).toEqual([]);
  });

  it('the Management API lists and revokes grants, suspends, sets passwords and deletes users and apps', async () => {
    await send(consoleAuthUrl({ nonce: nul }));
    const victim = await signedInUser();
    await poison(victim.id, web.clientId);
    await poison(victim.id, partner.clientId);

    const grants = await api('GET', `/api/users/${victim.id}/grants`);
    expect(grants.status).toBe(200);
    expect(grants.body.data.map((g: { client_id: string }) => g.client_id).sort()).toEqual([web.clientId, partner.clientId].sort());
    expect((await api('DELETE', `/api/users/${victim.id}/grants/${partner.clientId}`)).status).toBe(204);
    await expect(client.refreshTokenGrant(partner.config, victim.partnerRefresh)).rejects.toMatchObject({ error: 'invalid_grant' });

    expect((await api('POST', `/api/users/${victim.id}/suspend`)).status).toBe(200);
    await expectActive(victim.accessToken, false);
    expect((await api('POST', `/api/users/${victim.id}/unsuspend`)).status).toBe(200);

    const again = await signedInUser();
    await poison(again.id, web.clientId);
    expect((await api('PUT', `/api/users/${again.id}/password`, { password: 'another long passphrase' })).status).toBeLessThan(300);
    await expectActive(again.accessToken, false);
    expect((await api('DELETE', `/api/users/${again.id}`)).status).toBe(204);

    const app = await sesame.createApp({ name: 'Doomed too', type: 'traditional', redirect_uris: ['https://doomed.example.com/cb'] });
    const user = await sesame.createUser();
    await poison(user.id, app.clientId);
    expect((await api('DELETE', `/api/applications/${app.clientId}`)).status).toBe(204);
  });

  it('the account page lists and revokes connected apps', async () => {
    await send(consoleAuthUrl({ nonce: nul }));
    const victim = await signedInUser();
    await poison(victim.id, partner.clientId);
    const account = await victim.agent.follow(`${sesame.url}/account`);
    const page = await account.response.text();
    expect(account.response.status).toBe(200);
    expect(page).toContain('Partner');
    const { revoked } = await revokeOnAccountPage(victim.agent, sesame.url, page);
    expect(revoked.response.status).toBe(200);
    await expect(client.refreshTokenGrant(partner.config, victim.partnerRefresh)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

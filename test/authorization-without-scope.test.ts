import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/locales/en.ts';
import { allow, authorizeUntilConsent, giveRole } from './support/consent.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * An authorization request that could grant nothing: no `scope` at all (some AI agents send none), or only scopes the
 * app may not have. oidc-provider would end it with a bare access_denied after the person signed in; the app hears
 * invalid_scope at once instead, saying what to ask for. OAuth 2.0 without `openid` is fine when it asks an API scope.
 */
const api = { name: 'Notes API', indicator: 'https://notes.example.com/api', scopes: ['notes:read'] };
const redirectUri = 'https://agent.example.com/callback';

let sesame: TestSesame;
let credentials: { login: string; password: string };
let thirdParty: string;
let firstParty: string;

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser({ name: 'Alan Turing' });
  credentials = { login: user.username, password: user.password };
  await giveRole(sesame, user.id, api, api.scopes);
  thirdParty = (await sesame.createApp({ name: 'Agent', type: 'spa', third_party: true, redirect_uris: [redirectUri] })).clientId;
  await allow(sesame, thirdParty, [], [{ indicator: api.indicator, scope: 'notes:read' }]);
  firstParty = (await sesame.createApp({ name: 'Own tool', type: 'spa', redirect_uris: [redirectUri] })).clientId;
});
afterAll(async () => sesame?.stop());

function authorizationUrl(clientId: string, params: Record<string, string> = {}): string {
  const url = new URL('/oidc/auth', sesame.url);
  for (const [name, value] of Object.entries({
    client_id: clientId, response_type: 'code', redirect_uri: redirectUri, state: 's1',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSsfw-cM', code_challenge_method: 'S256', ...params,
  })) url.searchParams.set(name, value);
  return url.toString();
}

describe('an authorization request with no scope', () => {
  for (const [who, app] of [['a third-party app', () => thirdParty], ['a first-party app', () => firstParty]] as const) {
    it(`from ${who}, naming no API, is refused with invalid_scope before sign-in`, async () => {
      const response = await fetch(authorizationUrl(app()), { redirect: 'manual' });
      expect(response.status).toBe(303);
      const callback = new URL(response.headers.get('location')!);
      expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
      expect(callback.searchParams.get('error')).toBe('invalid_scope');
      expect(callback.searchParams.get('error_description')).toMatch(/names no scope and no API/);
      expect(callback.searchParams.get('state')).toBe('s1');
    });
  }

  it('naming an API but asking none of its scopes is refused with invalid_scope before sign-in, saying so', async () => {
    const response = await fetch(authorizationUrl(thirdParty, { resource: api.indicator }), { redirect: 'manual' });
    const callback = new URL(response.headers.get('location')!);
    expect(callback.searchParams.get('error')).toBe('invalid_scope');
    expect(callback.searchParams.get('error_description')).toContain(`ask for openid to sign the person in, or for a scope of ${api.indicator}`);
  });

  it('asking only for scopes the app may not get is refused with invalid_scope before sign-in', async () => {
    const response = await fetch(authorizationUrl(thirdParty, { resource: api.indicator, scope: 'notes:write' }), { redirect: 'manual' });
    const callback = new URL(response.headers.get('location')!);
    expect(callback.searchParams.get('error')).toBe('invalid_scope');
    expect(callback.searchParams.get('error_description')).toMatch(/none of the requested scopes is one this app may get/);
  });

  it('signing in for an API without asking its scopes: the consent screen names the API and says the token carries none', async () => {
    const url = authorizationUrl(thirdParty, { resource: api.indicator, scope: 'openid' });
    const step = await authorizeUntilConsent(new UserAgent(sesame.url), url, credentials);
    if (!('consent' in step)) throw new Error('expected the consent screen');
    expect(step.consent.page).toContain(`<legend>${en['consent.resource'].replace('{resource}', api.name)}</legend>`);
    expect(step.consent.page).toContain(en['consent.resourceHost'].replace('{host}', 'notes.example.com'));
    expect(step.consent.page).toContain(en['consent.audienceOnly']);
  });

  it('OAuth 2.0 without openid: an API scope the app may use goes through sign-in and consent', async () => {
    const url = authorizationUrl(thirdParty, { resource: api.indicator, scope: 'notes:read' });
    const step = await authorizeUntilConsent(new UserAgent(sesame.url), url, credentials);
    expect('consent' in step, 'callback' in step ? step.callback.toString() : '').toBe(true);
  });
});

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

let sesame: TestSesame;
let rp: RelyingParty;
let user: { id: string; username: string; password: string };

const address = { street_address: '12 Analytical Row', locality: 'London', postal_code: 'W1 1AA', country: 'GB' };

beforeAll(async () => {
  sesame = await startTestSesame();
  user = await sesame.createUser({ username: 'grace', name: 'Grace Hopper', email: 'grace@example.com' });
  // No API sets these yet: the user's record is completed in the database.
  await sesame.sesame.db.updateTable('users').set({
    given_name: 'Grace',
    family_name: 'Hopper',
    email_verified: true,
    phone_number: '+1 202 555 0100',
    phone_number_verified: true,
    address: JSON.stringify(address),
  }).where('id', '=', user.id).execute();
  const redirectUri = 'https://claims.example.com/callback';
  const app = await sesame.createApp({ name: 'Claims', type: 'traditional', redirect_uris: [redirectUri] });
  rp = await relyingParty(sesame, app, redirectUri);
});
afterAll(async () => sesame?.stop());

/** Signs in afresh (so no earlier grant widens the scope) and returns what userinfo and the ID token say. */
async function claimsFor(scope: string) {
  const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login: user.username, password: user.password }, { scope });
  expect(tokens.scope?.split(' ').sort()).toEqual(scope.split(' ').sort());
  const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, user.id);
  return { userinfo, idToken: tokens.claims()! };
}

const profile = { name: 'Grace Hopper', given_name: 'Grace', family_name: 'Hopper', preferred_username: 'grace' };
const email = { email: 'grace@example.com', email_verified: true };
const phone = { phone_number: '+1 202 555 0100', phone_number_verified: true };

describe('userinfo claims follow the granted scopes (OIDC Core §5.4)', () => {
  it('gives only sub for openid', async () => {
    const { userinfo } = await claimsFor('openid');
    expect(userinfo).toEqual({ sub: user.id });
  });

  it('adds the profile claims for profile', async () => {
    const { userinfo } = await claimsFor('openid profile');
    expect(userinfo).toMatchObject({ sub: user.id, ...profile });
    expect(typeof userinfo.updated_at).toBe('number');
    for (const claim of ['email', 'email_verified', 'phone_number', 'address']) expect(userinfo).not.toHaveProperty(claim);
  });

  it('adds email and email_verified for email', async () => {
    const { userinfo } = await claimsFor('openid email');
    expect(userinfo).toEqual({ sub: user.id, ...email });
  });

  it('adds phone_number and phone_number_verified for phone', async () => {
    const { userinfo } = await claimsFor('openid phone');
    expect(userinfo).toEqual({ sub: user.id, ...phone });
  });

  it('adds address for address', async () => {
    const { userinfo } = await claimsFor('openid address');
    expect(userinfo).toEqual({ sub: user.id, address });
  });

  it('gives everything for every scope', async () => {
    const { userinfo } = await claimsFor('openid profile email phone address');
    expect(userinfo).toMatchObject({ sub: user.id, ...profile, ...email, ...phone, address });
  });

  it('keeps scope claims out of the ID token when an access token can fetch them at userinfo', async () => {
    const { idToken } = await claimsFor('openid profile email');
    expect(idToken.sub).toBe(user.id);
    expect(idToken).not.toHaveProperty('email');
    expect(idToken).not.toHaveProperty('name');
  });

  it('omits claims the user has no value for', async () => {
    const bare = await sesame.createUser({ username: 'bare' });
    await sesame.sesame.db.updateTable('users').set({ name: null }).where('id', '=', bare.id).execute();
    const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login: 'bare', password: bare.password }, { scope: 'openid profile phone address' });
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, bare.id);
    expect(userinfo).toHaveProperty('preferred_username', 'bare');
    for (const claim of ['name', 'given_name', 'phone_number', 'phone_number_verified', 'address']) expect(userinfo).not.toHaveProperty(claim);
  });
});

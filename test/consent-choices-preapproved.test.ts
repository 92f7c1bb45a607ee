import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInToAccount } from './support/account.ts';
import { allow, authorizeUntilConsent } from './support/consent.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { SignInStuckError, UserAgent } from './support/user-agent.ts';

/**
 * Issue 15 §3 and §4 together: how long a decision lasts and taking a permission back, where an admin pre-approved
 * some of it or asks every time.
 */
const redirectUri = 'https://partner.example.com/callback';

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let rp: RelyingParty;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const app = await sesame.createApp({ name: 'Org Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri], consent_durations: true });
  await allow(sesame, app.clientId, ['profile', 'email']);
  rp = await relyingParty(sesame, app, redirectUri);
});
afterAll(async () => sesame?.stop());

const setConsent = (body: unknown) => api('PUT', `/api/applications/${rp.clientId}/consent`, body);
const consentRow = (userId: string) => sesame.sesame.db.selectFrom('consents').selectAll()
  .where('user_id', '=', userId).where('client_id', '=', rp.clientId).executeTakeFirst();

async function newPerson() {
  const user = await sesame.createUser();
  return { id: user.id, login: user.username, password: user.password };
}

async function signIn(person: { login: string; password: string }, scope: string) {
  const agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(rp, { scope });
  return { agent, step: await authorizeUntilConsent(agent, request.url.toString(), person) };
}

async function decide(agent: UserAgent, consent: { page: string; url: string }, ticked: string[], duration: string): Promise<void> {
  const form = /<form method="post" action="([^"]+\/consent)"[^>]*>([\s\S]*?)<\/form>/.exec(consent.page)!;
  const body = new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(form[2]!)![1]!, duration });
  for (const value of ['openid', ...ticked]) body.append('grant', value);
  const { response, url } = await agent.follow(new URL(form[1]!, consent.url).toString(), { form: body });
  if (response.status < 300 || response.status >= 400) throw new SignInStuckError(response.status, url, await response.text());
}

describe('durations and removal with admin consent', () => {
  it('the ask policy offers no duration: the screen returns anyway, and a duration sent is ignored', async () => {
    expect((await setConsent({ policy: 'ask', preapproved: [] })).status).toBe(200);
    try {
      const person = await newPerson();
      const { agent, step } = await signIn(person, 'openid profile');
      if (!('consent' in step)) throw new Error('expected the consent screen');
      expect(step.consent.page).not.toContain('name="duration"');
      await decide(agent, step.consent, ['profile'], 'once');
      expect((await consentRow(person.id))?.expires_at).not.toBeNull();
    } finally {
      await setConsent({ policy: 'remember', preapproved: [] });
    }
  });

  it('the duration is the person\'s decision\'s; a pre-approved permission is marked on /account and cannot be removed', async () => {
    expect((await setConsent({ policy: 'remember', preapproved: ['profile'] })).status).toBe(200);
    try {
      const person = await newPerson();
      const { agent, step } = await signIn(person, 'openid profile email');
      if (!('consent' in step)) throw new Error('expected the consent screen');
      expect(step.consent.page).toContain('name="duration"');
      await decide(agent, step.consent, ['email'], '30_days');
      const row = (await consentRow(person.id))!;
      // The record holds what the person decided, for as long as they chose; profile is the admin's.
      expect(row.scopes.split(' ').sort()).toEqual(['email', 'openid']);
      expect(row.expires_at!.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);

      // Everything asked pre-approved: connected by the admin's decision, whose permission is not the person's to remove.
      const other = await newPerson();
      const { step: direct } = await signIn(other, 'openid profile');
      expect('callback' in direct).toBe(true);
      const account = new UserAgent(sesame.url);
      const page = await signInToAccount(sesame, account, other);
      const entry = page.slice(page.indexOf('<h3>Org Partner</h3>'));
      expect(entry).toContain('(approved by your organization)');
      expect(entry).not.toContain('name="permission" value="profile"');
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const { url } = await account.follow(`${sesame.url}/account/apps/${rp.clientId}/permissions`, { form: { csrf, permission: 'profile' } });
      expect(url).toBe(`${sesame.url}/account`);
      expect((await consentRow(other.id))!.scopes).toContain('profile');
      const narrowed = await sesame.sesame.db.selectFrom('audit_events').select('id').where('user_id', '=', other.id).where('type', '=', 'consent.narrowed').execute();
      expect(narrowed).toEqual([]);
    } finally {
      await setConsent({ policy: 'remember', preapproved: [] });
    }
  });
});

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeOf, signInToAccount } from './support/account.ts';
import { allow, authorizeUntilConsent, giveRole } from './support/consent.ts';
import { authorizationRequest, exchangeCode, relyingParty, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { SignInStuckError, UserAgent } from './support/user-agent.ts';

/**
 * The person shapes the grant (issue 15 §3): how long a decision lasts, when the app lets them choose; one
 * permission taken back on /account; and when each app last used its access, for which APIs.
 */
const api = { name: 'Notes API', indicator: 'https://api.example.com/notes', scopes: ['read:notes'] };
const redirectUri = 'https://partner.example.com/callback';

let sesame: TestSesame;
let choosing: RelyingParty;
let plain: RelyingParty;

beforeAll(async () => {
  sesame = await startTestSesame();
  const a = await sesame.createApp({ name: 'Chooser', type: 'traditional', third_party: true, redirect_uris: [redirectUri], consent_durations: true });
  const b = await sesame.createApp({ name: 'Plain', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  for (const app of [a, b]) await allow(sesame, app.clientId, ['profile', 'email']);
  choosing = await relyingParty(sesame, a, redirectUri);
  plain = await relyingParty(sesame, b, redirectUri);
});
afterAll(async () => sesame?.stop());

async function newPerson() {
  const user = await sesame.createUser({ name: 'Ines' });
  await giveRole(sesame, user.id, api, ['read:notes']);
  return { id: user.id, login: user.username, password: user.password };
}

/** Submits the consent form with `ticked` (openid always) and, when given, the duration chosen. */
async function decideFor(agent: UserAgent, consent: { page: string; url: string }, ticked: string[], duration?: string): Promise<URL> {
  const form = /<form method="post" action="([^"]+\/consent)"[^>]*>([\s\S]*?)<\/form>/.exec(consent.page)!;
  const body = new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(form[2]!)![1]! });
  for (const value of ['openid', ...ticked]) body.append('grant', value);
  if (duration) body.set('duration', duration);
  const { response, url } = await agent.follow(new URL(form[1]!, consent.url).toString(), { form: body });
  if (response.status >= 300 && response.status < 400) return new URL(url);
  throw new SignInStuckError(response.status, url, await response.text());
}

async function signInTo(rp: RelyingParty, person: { login: string; password: string }, scope: string, decide?: (c: { page: string; url: string }, agent: UserAgent) => Promise<URL>, extra: Record<string, string> = {}) {
  const agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(rp, { scope, ...extra });
  const step = await authorizeUntilConsent(agent, request.url.toString(), person);
  if ('consent' in step && !decide) return { asked: step.consent.page };
  const callback = 'consent' in step ? await decide!(step.consent, agent) : step.callback;
  return { asked: 'consent' in step ? step.consent.page : undefined, tokens: await exchangeCode(rp, request, callback, extra.resource ? { resource: extra.resource } : undefined) };
}

const consentRow = (userId: string, clientId: string) => sesame.sesame.db.selectFrom('consents').selectAll()
  .where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();

describe('how long a decision lasts', () => {
  it('is offered only where the admin allows it, with "until I revoke" chosen', async () => {
    const person = await newPerson();
    const offered = await signInTo(choosing, person, 'openid profile');
    expect(offered.asked).toContain('Remember my choice');
    expect(offered.asked).toMatch(/<input type="radio" name="duration" value="until_revoked" checked>/);
    expect(offered.asked).toContain('For this time only');
    expect(offered.asked).toContain('For 30 days');
    const french = await signInTo(choosing, person, 'openid profile', undefined, { ui_locales: 'fr' });
    expect(french.asked).toContain('Pour cette fois seulement');
    const notOffered = await signInTo(plain, person, 'openid profile');
    expect(notOffered.asked).not.toContain('name="duration"');
  });

  it('"for this time only" authorizes without remembering, and gives no refresh token: the next sign-in asks again', async () => {
    const person = await newPerson();
    const first = await signInTo(choosing, person, 'openid profile offline_access', (c, a) => decideFor(a, c, ['profile', 'offline_access'], 'once'));
    expect(first.tokens!.refresh_token).toBeUndefined();
    expect((await client.fetchUserInfo(choosing.config, first.tokens!.access_token, person.id)).name).toBe('Ines');
    expect(await consentRow(person.id, choosing.clientId)).toBeUndefined();
    const again = await signInTo(choosing, person, 'openid profile');
    expect(again.asked).toContain('Remember my choice');
  });

  it('"for 30 days" remembers until then, "until I revoke" with no end; /account says until when', async () => {
    const person = await newPerson();
    const before = Date.now();
    await signInTo(choosing, person, 'openid profile', (c, a) => decideFor(a, c, ['profile'], '30_days'));
    const row = await consentRow(person.id, choosing.clientId);
    const days = (row!.expires_at!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    expect((await signInTo(choosing, person, 'openid profile')).asked).toBeUndefined();
    const page = await signInToAccount(sesame, new UserAgent(sesame.url), person);
    const until = new Intl.DateTimeFormat('en', { dateStyle: 'long' }).format(row!.expires_at!);
    expect(page).toContain(`Allowed until ${until}`);

    await signInTo(choosing, person, 'openid profile email', (c, a) => decideFor(a, c, ['email'], 'until_revoked'));
    expect((await consentRow(person.id, choosing.clientId))!.expires_at).toBeNull();
    // A value no form offers is the default choice.
    const other = await newPerson();
    await signInTo(choosing, other, 'openid profile', (c, a) => decideFor(a, c, ['profile'], 'forever-and-ever'));
    expect((await consentRow(other.id, choosing.clientId))!.expires_at).toBeNull();
  });

  it('an app that does not offer the choice ignores a duration sent anyway', async () => {
    const person = await newPerson();
    await signInTo(plain, person, 'openid profile', (c, a) => decideFor(a, c, ['profile'], 'once'));
    const row = await consentRow(person.id, plain.clientId);
    expect(row?.expires_at).not.toBeNull();
    expect((await signInTo(plain, person, 'openid profile')).asked).toBeUndefined();
  });
});

describe('taking one permission back on /account', () => {
  it('narrows the consent and ends the app\'s tokens; the next sign-in carries only the rest, without asking', async () => {
    const person = await newPerson();
    const { tokens } = await signInTo(plain, person, 'openid profile email offline_access', (c, a) => decideFor(a, c, ['profile', 'email', 'offline_access']));
    expect((await client.fetchUserInfo(plain.config, tokens!.access_token, person.id)).email).toBeTruthy();

    const agent = new UserAgent(sesame.url);
    const page = await signInToAccount(sesame, agent, person);
    const entry = page.slice(page.indexOf('<h3>Plain</h3>'));
    expect(entry).toContain('aria-label="Remove “Your email address” from Plain"');
    const form = /<form method="post" action="(\/account\/apps\/[^"]+\/permissions)" class="inline">\s*<input type="hidden" name="csrf" value="([^"]+)">\s*<input type="hidden" name="permission" value="email">/.exec(entry)!;
    const { response, url } = await agent.follow(`${sesame.url}${form[1]}`, { form: { csrf: form[2]!, permission: 'email' } });
    expect(url).toBe(`${sesame.url}/account?narrowed=${plain.clientId}&permission=email`);
    const after = await response.text();
    expect(noticeOf(after)).toBe('Plain no longer has this permission: Your email address.');
    expect(after.slice(after.indexOf('<h3>Plain</h3>'))).not.toContain('value="email"');

    expect((await consentRow(person.id, plain.clientId))!.scopes.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(await userinfoStatus(plain, tokens!.access_token)).toBe(401);
    await expect(client.refreshTokenGrant(plain.config, tokens!.refresh_token!)).rejects.toThrow();
    const audit = await sesame.sesame.db.selectFrom('audit_events').select('details').where('user_id', '=', person.id).where('type', '=', 'consent.narrowed').execute();
    expect(audit.map((a) => a.details)).toEqual([expect.objectContaining({ by: 'user', reason: 'permission_removed', removed: ['email'] })]);

    const next = await signInTo(plain, person, 'openid profile offline_access');
    expect(next.asked).toBeUndefined();
    const info = await client.fetchUserInfo(plain.config, next.tokens!.access_token, person.id);
    expect(info.name).toBe('Ines');
    expect(info.email).toBeUndefined();
    // Asking for it again asks the person for it, and only for it.
    const asked = await signInTo(plain, person, 'openid profile email');
    expect(asked.asked).toContain('value="email"');
    expect(asked.asked).not.toContain('value="profile"');
  });

  it('takes back an API scope too; a forged request or link changes nothing', async () => {
    const person = await newPerson();
    await allow(sesame, plain.clientId, ['profile', 'email'], [{ indicator: api.indicator, scope: 'read:notes' }]);
    try {
      await signInTo(plain, person, 'openid profile read:notes', (c, a) => decideFor(a, c, ['profile', `${api.indicator} read:notes`]), { resource: api.indicator });
      const agent = new UserAgent(sesame.url);
      const page = await signInToAccount(sesame, agent, person);
      const csrf = /<input type="hidden" name="csrf" value="([^"]+)">\s*<input type="hidden" name="permission"/.exec(page)![1]!;
      const target = `${sesame.url}/account/apps/${plain.clientId}/permissions`;

      expect((await agent.follow(target, { form: { permission: 'profile' } })).response.status).toBe(403);
      expect((await new UserAgent(sesame.url).follow(target, { form: { csrf, permission: 'profile' } })).response.status).toBe(403);
      // openid is the connection itself: only Revoke access takes it.
      expect((await agent.follow(target, { form: { csrf, permission: 'openid' } })).url).toBe(`${sesame.url}/account`);
      expect((await consentRow(person.id, plain.clientId))!.scopes).toContain('openid');
      // A crafted link does not put its words on the page.
      const crafted = await (await agent.follow(`${sesame.url}/account?narrowed=${plain.clientId}&permission=${encodeURIComponent('Call +1 555 0100 now')}`)).response.text();
      expect(noticeOf(crafted)).toBeUndefined();

      const { response } = await agent.follow(target, { form: { csrf, permission: `${api.indicator} read:notes` } });
      expect(noticeOf(await response.text())).toBe('Plain no longer has this permission: Can read notes.');
      expect((await consentRow(person.id, plain.clientId))!.resource_scopes).toEqual({});
    } finally {
      await allow(sesame, plain.clientId, ['profile', 'email']);
    }
  });
});

describe('when each app last used its access', () => {
  it('says "not used yet" until a token is issued, then when, and which APIs it asked for', async () => {
    const person = await newPerson();
    await allow(sesame, choosing.clientId, ['profile'], [{ indicator: api.indicator, scope: 'read:notes' }]);
    try {
      const agent = new UserAgent(sesame.url);
      const request = await authorizationRequest(choosing, { scope: 'openid profile offline_access read:notes', resource: api.indicator });
      const step = await authorizeUntilConsent(agent, request.url.toString(), person);
      const callback = await decideFor(agent, (step as { consent: { page: string; url: string } }).consent, ['profile', 'offline_access', `${api.indicator} read:notes`]);
      const account = new UserAgent(sesame.url);
      expect(await signInToAccount(sesame, account, person)).toContain('Not used yet');

      const tokens = await exchangeCode(choosing, request, callback);
      const uses = () => sesame.sesame.db.selectFrom('app_access_uses').selectAll().where('user_id', '=', person.id).execute();
      await expect.poll(uses).toHaveLength(1);
      const first = (await uses())[0]!;
      expect(first.resources).toEqual([]);
      // Within the quiet period a use writes nothing, unless the app asks for an API it had not.
      await client.fetchUserInfo(choosing.config, tokens.access_token, person.id);
      const refreshed = await client.refreshTokenGrant(choosing.config, tokens.refresh_token!, { resource: api.indicator });
      await expect.poll(async () => (await uses())[0]!.resources).toEqual([api.indicator]);
      await client.refreshTokenGrant(choosing.config, refreshed.refresh_token!, { resource: api.indicator });

      const page = (await account.follow(`${sesame.url}/account`)).response;
      const entry = (await page.text()).split('<h3>Chooser</h3>')[1]!;
      expect(entry).toMatch(/Last used on [A-Z][a-z]+ \d+, \d{4} at /);
      expect(entry).toContain('APIs it asked for:');
      expect(entry).toContain('<li>Notes API</li>');
      expect(entry).toContain('<span class="permission-label">Can read notes</span>');
    } finally {
      await allow(sesame, choosing.clientId, ['profile', 'email']);
    }
  });
});

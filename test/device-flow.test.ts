import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesameCli } from './support/cli.ts';
import { allow } from './support/consent.ts';
import { apiClient, createManagementApp, expectProblem, managementToken } from './support/management.ts';
import { enrolTotpOverHttp, submit, totpCode } from './support/mfa.ts';
import { relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/**
 * The device authorization grant (RFC 8628) over HTTP: openid-client is the device (a CLI), and a person's browser
 * without rendering (test/support/user-agent.ts) types the code, confirms and signs in. What a person sees is
 * covered in chromium by test/browser-device-flow.test.ts.
 */

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
let sesame: TestSesame;
let cli: RelyingParty;
let ada: { login: string; password: string };

beforeAll(async () => {
  // A short interval keeps the polling quick; throttling starts after three wrong codes.
  sesame = await startTestSesame({ SESAME_DEVICE_POLL_INTERVAL: '1', SESAME_THROTTLE_FAILURES: '3' });
  const user = await sesame.createUser({ username: 'ada-device' });
  ada = { login: user.username, password: user.password };
  const app = await sesame.createApp({ name: 'Notes CLI', type: 'native', device_flow: true });
  cli = await relyingParty(sesame, app, 'http://127.0.0.1/unused');
});

afterAll(async () => {
  await sesame?.stop();
});

/** The device's poll, by hand: the token endpoint's answer as it is, without openid-client's waiting. */
async function poll(clientId: string, deviceCode: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sesame.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: deviceGrant, device_code: deviceCode, client_id: clientId }),
  });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

/** Opens the code page, as a person following verification_uri, and submits `code`; returns the page reached. */
async function enterCode(agent: UserAgent, code: string) {
  const { response: opened, url } = await agent.follow(`${sesame.url}/oidc/device`);
  const form = parseForm(await opened.text(), url);
  const { response, url: at } = await agent.follow(form.action, { form: { ...form.fields, user_code: code } });
  return { status: response.status, page: await response.text(), url: at, headers: response.headers };
}

/** Presses the confirmation page's button (`yes` to sign the device in, `no` to refuse). */
async function confirmDevice(agent: UserAgent, page: string, url: string, answer: 'yes' | 'no') {
  const forms = [...page.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)];
  const form = forms.find((f) => f[2]!.includes(answer === 'yes' ? 'name="confirm"' : 'name="abort"'))!;
  const fields = Object.fromEntries([...form[2]!.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  const { response, url: at } = await agent.follow(new URL(form[1]!.replace(/&amp;/g, '&'), url).toString(), { form: fields });
  return { status: response.status, page: await response.text(), url: at };
}

describe('device authorization grant', () => {
  it('is advertised in discovery', async () => {
    const metadata = await (await fetch(`${sesame.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata.device_authorization_endpoint).toBe(`${sesame.url}/oidc/device/auth`);
    expect(metadata.grant_types_supported).toContain(deviceGrant);
  });

  it('signs a person in on a CLI: code typed in any case and spacing, confirmed, signed in; tokens work at userinfo', async () => {
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid profile' });
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device.verification_uri).toBe(`${sesame.url}/oidc/device`);
    expect(device.interval).toBe(1);
    expect(device.expires_in).toBe(600);

    // Before the person did anything: authorization_pending.
    expect((await poll(cli.clientId, device.device_code)).body.error).toBe('authorization_pending');

    const agent = new UserAgent(sesame.url);
    const typed = ` ${device.user_code.toLowerCase().replace('-', ' ')} `;
    const confirm = await enterCode(agent, typed);
    expect(confirm.page).toContain('Is this the device you want to sign in?');
    expect(confirm.page).toContain(device.user_code);
    expect(confirm.page).toContain('Notes CLI');
    expect(confirm.page).toContain('127.0.0.1');
    const signIn = await confirmDevice(agent, confirm.page, confirm.url, 'yes');
    expect(isSignInPage(signIn.page)).toBe(true);
    const form = parseForm(signIn.page, signIn.url);
    const done = await agent.follow(form.action, { form: { ...form.fields, login: ada.login, password: ada.password } });
    const success = await done.response.text();
    expect(success).toContain('Your device is signed in');

    const tokens = await client.pollDeviceAuthorizationGrant(cli.config, device);
    expect(tokens.access_token).toBeTruthy();
    const claims = tokens.claims()!;
    const info = await client.fetchUserInfo(cli.config, tokens.access_token, claims.sub);
    expect(info.preferred_username).toBe(ada.login);

    // The code works once.
    const again = await enterCode(new UserAgent(sesame.url), device.user_code);
    expect(again.page).toContain('This code was already used');
  });

  it('asks a person with an authenticator app for it, as every sign-in does, and the tokens say so (amr)', async () => {
    const user = await sesame.createUser({ username: 'grace-device' });
    const web = await sesame.createApp({ name: 'Enrolment', type: 'traditional', redirect_uris: ['https://enrol.example.com/cb'] });
    const { key, usedCode } = await enrolTotpOverHttp(sesame.url, await relyingParty(sesame, web, 'https://enrol.example.com/cb'), user);
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid' });
    const agent = new UserAgent(sesame.url);
    const confirm = await enterCode(agent, device.user_code);
    const signIn = await confirmDevice(agent, confirm.page, confirm.url, 'yes');
    const second = await submit(agent, { html: signIn.page, url: signIn.url }, '/login', { login: user.username, password: user.password });
    expect(new URL(second.url).pathname).toMatch(/\/second-factor$/);
    const code = [totpCode(key), totpCode(key, 1)].find((c) => c !== usedCode)!;
    const done = await submit(agent, second, '/second-factor/code', { code });
    expect(done.html).toContain('Your device is signed in');
    const tokens = await client.pollDeviceAuthorizationGrant(cli.config, device);
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
  });

  it('answers slow_down to a device that polls sooner than its interval, and the interval grows', async () => {
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid' });
    expect((await poll(cli.clientId, device.device_code)).body.error).toBe('authorization_pending');
    const early = await poll(cli.clientId, device.device_code);
    expect(early.status).toBe(400);
    expect(early.body.error).toBe('slow_down');
    // Now 6 seconds: a poll after one second is still too soon.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await poll(cli.clientId, device.device_code)).body.error).toBe('slow_down');
  });

  it('answers access_denied when the person refuses the device', async () => {
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid' });
    const agent = new UserAgent(sesame.url);
    const confirm = await enterCode(agent, device.user_code);
    const refused = await confirmDevice(agent, confirm.page, confirm.url, 'no');
    expect(refused.page).toContain('The device was not signed in');
    await expect(client.pollDeviceAuthorizationGrant(cli.config, device)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('refuses a code posted from another site (no xsrf value of this browser\'s page), and shows hostile input only as text', async () => {
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid' });
    const agent = new UserAgent(sesame.url);
    await agent.follow(`${sesame.url}/oidc/device`);
    const forged = await agent.follow(`${sesame.url}/oidc/device`, { form: { user_code: device.user_code, confirm: 'yes' } });
    const page = await forged.response.text();
    expect(page).not.toContain('Is this the device');
    expect(page).toContain('The sign-in could not be completed');
    // The code was not used up: the person can still enter it.
    expect((await enterCode(new UserAgent(sesame.url), device.user_code)).page).toContain('Is this the device you want to sign in?');

    const hostile = await enterCode(new UserAgent(sesame.url), '"><script>alert(1)</script>');
    expect(hostile.status).toBe(200);
    expect(hostile.page).not.toContain('<script>alert(1)');
    expect(hostile.page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(hostile.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(hostile.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses an app the admin did not allow the grant: unauthorized_client', async () => {
    const app = await sesame.createApp({ name: 'Plain native', type: 'native', redirect_uris: ['http://127.0.0.1/cb'] });
    const plain = await relyingParty(sesame, app, 'http://127.0.0.1/cb');
    await expect(client.initiateDeviceAuthorization(plain.config, { scope: 'openid' })).rejects.toMatchObject({ error: 'unauthorized_client' });
    // Nor may it redeem another app's device code at the token endpoint.
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid' });
    expect((await poll(app.clientId, device.device_code)).body.error).toBe('unauthorized_client');
  });

  it('keeps the grant to native and traditional web apps', async () => {
    await expect(sesame.createApp({ name: 'SPA', type: 'spa', device_flow: true, redirect_uris: ['https://spa.example.com/cb'] }))
      .rejects.toMatchObject({ code: 'application.invalid' });
    await expect(sesame.createApp({ name: 'Robot', type: 'm2m', device_flow: true })).rejects.toMatchObject({ code: 'application.invalid' });
    const web = await sesame.createApp({ name: 'Smart TV backend', type: 'traditional', device_flow: true, redirect_uris: ['https://tv.example.com/cb'] });
    const tv = await relyingParty(sesame, web, 'https://tv.example.com/cb');
    const device = await client.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    expect(device.device_code).toBeTruthy();
  });

  it('lets a third-party app in only through the consent screen, like any other sign-in', async () => {
    const app = await sesame.createApp({ name: 'Partner TV', type: 'native', third_party: true, device_flow: true });
    await allow(sesame, app.clientId, ['profile']);
    const tv = await relyingParty(sesame, app, 'http://127.0.0.1/unused');
    const device = await client.initiateDeviceAuthorization(tv.config, { scope: 'openid profile' });
    const agent = new UserAgent(sesame.url);
    const confirm = await enterCode(agent, device.user_code);
    const signIn = await confirmDevice(agent, confirm.page, confirm.url, 'yes');
    const form = parseForm(signIn.page, signIn.url);
    const consent = await agent.follow(form.action, { form: { ...form.fields, login: ada.login, password: ada.password } });
    const page = await consent.response.text();
    expect(page).toContain('Partner TV wants to access your account');
    expect(page).toContain('The device that showed you the code will get this access');
    // Cancel on the consent screen: the device hears access_denied.
    const cancel = [...page.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)].find((f) => f[1]!.endsWith('/abort'))!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(cancel[2]!)![1]!;
    const ended = await agent.follow(new URL(cancel[1]!, consent.url).toString(), { form: { csrf } });
    expect(await ended.response.text()).toContain('The device was not signed in');
    await expect(client.pollDeviceAuthorizationGrant(tv.config, device)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('throttles wrong codes from one IP: 429 with Retry-After in the person\'s language, the right code refused too', async () => {
    const device = await client.initiateDeviceAuthorization(cli.config, { scope: 'openid' });
    const agent = new UserAgent(sesame.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    const first = await enterCode(agent, 'BBBB-BBBB');
    expect(first.status).toBe(200);
    expect(first.page).toContain('Ce code n&#39;est pas le bon');
    await enterCode(agent, 'CCCC-CCCC');
    const third = await enterCode(agent, 'DDDD-DDDD');
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(third.page).toContain('Trop de tentatives');
    const right = await enterCode(agent, device.user_code);
    expect(right.status).toBe(429);
    const blocks = await sesame.sesame.db.selectFrom('audit_events').select('type').where('type', '=', 'user_code.throttled').execute();
    expect(blocks.length).toBeGreaterThan(0);
    await sesame.sesame.db.deleteFrom('throttle_blocks').where('policy', '=', 'user_code_ip').execute();
  });
});

describe('the admin turns the device flow on', () => {
  it('through the Management API, with the guide naming the endpoints; refused for a single-page app', async () => {
    const api = apiClient(sesame, await managementToken(sesame, await createManagementApp(sesame)));
    const created = await api('POST', '/api/applications', { name: 'Editor', type: 'native', redirect_uris: ['http://127.0.0.1/cb'] });
    expect(created.status).toBe(201);
    const id = created.body.client_id as string;
    expect(created.body.device_flow).toBe(false);
    const changed = await api('PATCH', `/api/applications/${id}`, { device_flow: true });
    expect(changed.status).toBe(200);
    expect(changed.body.device_flow).toBe(true);
    const guide = await api('GET', `/api/applications/${id}/guide`);
    expect(guide.body.flow.grant_types).toContain(deviceGrant);
    expect(guide.body.endpoints).toContainEqual(expect.objectContaining({ label: 'Device authorization', value: `${sesame.url}/oidc/device/auth` }));
    // The app signs in both ways now: its redirect URI still works, and the device flow too.
    const editor = await relyingParty(sesame, { clientId: id }, 'http://127.0.0.1/cb');
    expect((await client.initiateDeviceAuthorization(editor.config, { scope: 'openid' })).user_code).toBeTruthy();

    const spa = await api('POST', '/api/applications', { name: 'Web', type: 'spa', redirect_uris: ['https://web.example.com/cb'] });
    const refused = await api('PATCH', `/api/applications/${spa.body.client_id}`, { device_flow: true });
    expectProblem(refused, 422, 'application.invalid');
    expect(JSON.stringify(refused.body)).toContain('only native and traditional web apps may use the device flow');
  });

  it('with the CLI flag --device-flow', async () => {
    const run = await sesameCli({ ...sesame.database.env }, 'apps', 'create', '--name', 'Terminal', '--type', 'native', '--device-flow', '--json');
    expect(run.code, run.stderr).toBe(0);
    const app = JSON.parse(run.stdout) as { client_id: string; device_flow: boolean };
    expect(app.device_flow).toBe(true);
    const terminal = await relyingParty(sesame, { clientId: app.client_id }, 'http://127.0.0.1/unused');
    expect((await client.initiateDeviceAuthorization(terminal.config, { scope: 'openid' })).user_code).toBeTruthy();
  });
});

describe('device codes that ran out', () => {
  let short: TestSesame;
  beforeAll(async () => {
    short = await startTestSesame({ SESAME_DEVICE_CODE_TTL: '1', SESAME_DEVICE_POLL_INTERVAL: '1' });
  });
  afterAll(async () => {
    await short?.stop();
  });

  it('tells the device expired_token and the person that the code expired', async () => {
    const app = await short.createApp({ name: 'Slow TV', type: 'native', device_flow: true });
    const tv = await relyingParty(short, app, 'http://127.0.0.1/unused');
    const device = await client.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const { status, body } = await (async () => {
      const response = await fetch(`${short.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: deviceGrant, device_code: device.device_code, client_id: app.clientId }),
      });
      return { status: response.status, body: await response.json() as Record<string, unknown> };
    })();
    expect(status).toBe(400);
    expect(body.error).toBe('expired_token');
    const agent = new UserAgent(short.url);
    const { response: opened, url } = await agent.follow(`${short.url}/oidc/device`);
    const form = parseForm(await opened.text(), url);
    const { response } = await agent.follow(form.action, { form: { ...form.fields, user_code: device.user_code } });
    expect(await response.text()).toContain('This code has expired');
  });
});

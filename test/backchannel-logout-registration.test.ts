import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** An app's back-channel logout URI, registered through the Management API and the CLI: what is taken, what is refused. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

const { json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

const webApp = (extra: Record<string, unknown> = {}) => ({ name: 'Partner web', type: 'traditional', redirect_uris: ['https://partner.example.com/cb'], ...extra });

describe('Management API', () => {
  it('takes an https URI, or http on a loopback host, shows it, changes and clears it', async () => {
    const created = await api('POST', '/api/applications', webApp({ backchannel_logout_uri: 'https://partner.example.com/logout?tenant=1', backchannel_logout_session_required: true }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ backchannel_logout_uri: 'https://partner.example.com/logout?tenant=1', backchannel_logout_session_required: true });
    const id = created.body.id as string;
    const loopback = await api('PATCH', `/api/applications/${id}`, { backchannel_logout_uri: 'http://127.0.0.1:8080/logout' });
    expect(loopback.status).toBe(200);
    expect(loopback.body.backchannel_logout_uri).toBe('http://127.0.0.1:8080/logout');
    expect((await api('PATCH', `/api/applications/${id}`, { backchannel_logout_uri: '' })).body.backchannel_logout_uri).toBeNull();
    await api('PATCH', `/api/applications/${id}`, { backchannel_logout_uri: 'https://partner.example.com/logout' });
    expect((await api('PATCH', `/api/applications/${id}`, { backchannel_logout_uri: null })).body.backchannel_logout_uri).toBeNull();
    const plain = await api('POST', '/api/applications', webApp());
    expect(plain.body).toMatchObject({ backchannel_logout_uri: null, backchannel_logout_session_required: false });
  });

  it.each([
    ['http://partner.example.com/logout', 'Back-channel logout URI "http://partner.example.com/logout" must use https; http is allowed only for localhost, 127.0.0.1 and [::1].'],
    ['https://partner.example.com/logout#top', 'Back-channel logout URI "https://partner.example.com/logout#top" must not contain a fragment (#).'],
    ['https://user:pw@partner.example.com/logout', 'Back-channel logout URI "https://user:pw@partner.example.com/logout" must not contain user information (user@host).'],
    ['JavaScript:alert(1)', 'Back-channel logout URI "JavaScript:alert(1)" uses the forbidden scheme javascript:.'],
    ['com.example.app:/logout', 'Back-channel logout URI "com.example.app:/logout" must use https (or http on localhost, 127.0.0.1 or [::1]).'],
    ['/logout', 'Back-channel logout URI "/logout" must be an absolute URI with a scheme.'],
    ['https://*.example.com/logout', 'Back-channel logout URI "https://*.example.com/logout" must name one host (a domain name or an IP address); wildcards are not supported.'],
  ])('refuses %s with a message naming the field and the rule', async (uri, detail) => {
    const response = await api('POST', '/api/applications', webApp({ backchannel_logout_uri: uri }));
    expectProblem(response, 422, 'application.invalid');
    expect(response.body.errors).toEqual([{ pointer: '/backchannel_logout_uri', detail }]);
  });

  it('refuses one for a machine-to-machine app, which signs no one in', async () => {
    const response = await api('POST', '/api/applications', { name: 'Robot', type: 'm2m', backchannel_logout_uri: 'https://robot.example.com/logout' });
    expectProblem(response, 422, 'application.invalid');
    expect(response.body.errors).toEqual([{ pointer: '/backchannel_logout_uri', detail: 'A machine-to-machine app signs no one in, so it has no sessions to be signed out of: leave Back-channel logout URI empty.' }]);
  });

  it('refuses a value that is no string, or too long, as a bad request', async () => {
    expectProblem(await api('POST', '/api/applications', webApp({ backchannel_logout_uri: 42 })), 400, 'request.invalid');
    expectProblem(await api('POST', '/api/applications', webApp({ backchannel_logout_uri: `https://a.example.com/${'x'.repeat(2100)}` })), 400, 'request.invalid');
    expectProblem(await api('POST', '/api/applications', webApp({ backchannel_logout_session_required: 'yes' })), 400, 'request.invalid');
  });
});

describe('CLI', () => {
  it('sets it with flags derived from the app schema, and refuses an insecure one in words', async () => {
    const app = await json('apps', 'create', '--name', 'CLI notes', '--type', 'spa', '--redirect-uri', 'https://notes.example.com/cb',
      '--backchannel-logout-uri', 'https://notes.example.com/logout', '--backchannel-logout-session-required');
    expect(app).toMatchObject({ backchannel_logout_uri: 'https://notes.example.com/logout', backchannel_logout_session_required: true });
    const updated = await json('apps', 'update', '--id', app.id, '--backchannel-logout-session-required', 'false');
    expect(updated.backchannel_logout_session_required).toBe(false);
    await fails(/--backchannel-logout-uri: Back-channel logout URI "http:\/\/notes\.example\.com\/logout" must use https/, 'apps', 'update', '--id', app.id, '--backchannel-logout-uri', 'http://notes.example.com/logout');
    expect((await json('apps', 'update', '--id', app.id, '--backchannel-logout-uri', '')).backchannel_logout_uri).toBeNull();
  });
});

describe('discovery', () => {
  it('advertises back-channel logout, with sessions', async () => {
    const metadata = await (await fetch(`${sesame.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });
});

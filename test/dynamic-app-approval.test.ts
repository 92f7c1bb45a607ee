import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitCimdApp } from '../src/registration/dynamic-app.service.ts';
import { cliWith } from './support/cli.ts';
import { testDatabaseKind } from './support/database.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { MetadataHost } from './support/metadata-host.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * Apps that arrive by themselves wait for an admin (DESIGN.md §7): the person sees a page saying so, never a
 * redirect to the app; an admin approves or denies with the CLI; such apps never get management access.
 */

let sesame: TestSesame;
/** Where the apps' metadata documents are served: oidc-provider reads an approved app's client from its document. */
let host: MetadataHost;
const { json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  [sesame, host] = await Promise.all([startTestSesame({ SESAME_ALLOW_LOOPBACK_METADATA: 'true' }), new MetadataHost().start()]);
});
afterAll(async () => {
  await sesame?.stop();
  await host?.stop();
});

let counter = 0;
/** A public app named by a metadata document, as the document loader admits it on first sight. */
async function arrivingApp(name: string) {
  const metadata = { client_name: name, redirect_uris: ['http://127.0.0.1:33418/callback'], application_type: 'native', token_endpoint_auth_method: 'none' };
  const clientId = host.document(`/agent${++counter}/client.json`, metadata);
  const admission = await admitCimdApp(sesame.sesame.db, {
    clientId,
    metadata,
    ip: '203.0.113.7',
  });
  if (!admission.admitted) throw new Error(admission.detail);
  return admission.application;
}

function authorizationUrl(clientId: string, params: Record<string, string> = {}): string {
  const url = new URL('/oidc/auth', sesame.url);
  for (const [name, value] of Object.entries({
    client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:33418/callback',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSsfw-cM', code_challenge_method: 'S256', state: 's1', ...params,
  })) url.searchParams.set(name, value);
  return url.toString();
}

const open = (url: string, language = 'en') => fetch(url, { redirect: 'manual', headers: { accept: 'text/html', 'accept-language': language } });

describe('apps that arrive by themselves', () => {
  it('are refused while the policy is off, and wait for approval in approval mode', async () => {
    await json('registration', 'set', '--cimd', 'off');
    const refused = await admitCimdApp(sesame.sesame.db, {
      clientId: 'https://refused.example.com/client.json', metadata: { redirect_uris: ['https://refused.example.com/cb'], token_endpoint_auth_method: 'none' }, ip: null,
    });
    expect(refused).toMatchObject({ admitted: false, reason: 'off' });

    const policy = await json('registration', 'set', '--cimd', 'approval');
    expect(policy).toMatchObject({ cimd: 'approval', dcr: 'off' });
    const app = await arrivingApp('Helpful Agent');
    expect(app).toMatchObject({ origin: 'cimd', status: 'pending', third_party: true, management_access: false, type: 'native' });
  });

  it('shows a pending app\'s person a page saying it waits for the administrator, in their language, not a redirect', async () => {
    const app = await arrivingApp('Pending <Agent>');
    const english = await open(authorizationUrl(app.id));
    expect(english.status).toBe(403);
    expect(english.headers.get('location')).toBeNull();
    const page = await english.text();
    expect(page).toContain('Waiting for the administrator');
    expect(page).toContain('Pending &lt;Agent&gt;');
    expect(page).not.toContain('<Agent>');

    const french = await (await open(authorizationUrl(app.id, { ui_locales: 'fr' }))).text();
    expect(french).toContain('En attente de l&#39;administrateur');
    const japanese = await (await open(authorizationUrl(app.id), 'ja')).text();
    expect(japanese).toContain('管理者の承認待ちです');
  });

  it('lets an approved app sign people in, and shows a denied app\'s person a refusal', async () => {
    const app = await arrivingApp('Soon Approved');
    const listed = await json('apps', 'list', '--status', 'pending', '--dynamic');
    expect(listed.applications.map((a: { client_id: string }) => a.client_id)).toContain(app.id);

    expect(await json('apps', 'approve', '--id', app.id)).toMatchObject({ client_id: app.id, status: 'approved' });
    const approved = await open(authorizationUrl(app.id));
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toMatch(/\/interaction\//);

    expect(await json('apps', 'deny', '--id', app.id)).toMatchObject({ status: 'denied' });
    const denied = await open(authorizationUrl(app.id, { ui_locales: 'ko' }));
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('허용되지 않은 앱입니다');
    expect((await open(authorizationUrl(app.id))).headers.get('location')).toBeNull();
  });

  // Another node (or the CLI) denied the app a moment ago, and this node has not heard yet: its copy of the app still
  // says approved, while the app's row, read as its metadata document is checked, says denied. Written here by a
  // connection of its own, without the change notification, so that moment lasts.
  it.runIf(testDatabaseKind === 'postgres')('shows the refusal page, not an error, while this node has not yet heard of a denial', async () => {
    const app = await arrivingApp('Denied Elsewhere');
    expect(await json('apps', 'approve', '--id', app.id)).toMatchObject({ status: 'approved' });
    expect((await open(authorizationUrl(app.id))).status).toBe(303);

    const elsewhere = new pg.Client({ connectionString: sesame.database.env.DATABASE_URL });
    await elsewhere.connect();
    try {
      await elsewhere.query("SET session_replication_role = replica"); // no trigger: no change notification
      await elsewhere.query("UPDATE applications SET status = 'denied' WHERE id = $1", [app.id]);
    } finally {
      await elsewhere.end();
    }
    const denied = await open(authorizationUrl(app.id));
    expect(denied.status).toBe(403);
    expect(denied.headers.get('location')).toBeNull();
    expect(await denied.text()).toContain('This app is not allowed');
  });

  it('gives a pending or denied app no device code: the device hears why (RFC 8628)', async () => {
    await json('registration', 'set', '--dcr', 'approval');
    const registered = await fetch(new URL('/oidc/reg', sesame.url), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Terminal Agent', redirect_uris: ['http://127.0.0.1:33418/callback'], application_type: 'native',
        token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
      }),
    });
    expect(registered.status).toBe(201);
    const clientId = (await registered.json()).client_id as string;
    // The admin allowed it the device flow before deciding on it; the device still waits for the decision.
    const api = apiClient(sesame, await managementToken(sesame));
    expect((await api('PATCH', `/api/applications/${clientId}`, { device_flow: true })).status).toBe(200);
    const ask = () => fetch(new URL('/oidc/device/auth', sesame.url), { method: 'POST', body: new URLSearchParams({ client_id: clientId, scope: 'openid' }) });

    const pending = await ask();
    expect(pending.status).toBe(400);
    expect(await pending.json()).toEqual({ error: 'unauthorized_client', error_description: expect.stringMatching(/waits for an administrator to approve it/) });

    await json('apps', 'approve', '--id', clientId);
    // The node's app cache hears the CLI's change through the change feed, a moment after the command returns.
    await expect.poll(async () => (await ask()).status).toBe(200);
    const approved = await ask();
    expect(approved.status).toBe(200);
    expect(await approved.json()).toHaveProperty('device_code');

    await json('apps', 'deny', '--id', clientId);
    await expect.poll(async () => (await ask()).status).toBe(400);
    const denied = await ask();
    expect(denied.status).toBe(400);
    expect(await denied.json()).toEqual({ error: 'unauthorized_client', error_description: expect.stringMatching(/administrator refused this app/) });
    await json('registration', 'set', '--dcr', 'off');
  });

  it('never holds management access, and an admin-made app is not approved or denied', async () => {
    const app = await arrivingApp('Ambitious Agent');
    await fails(/Management API access/, 'apps', 'update', '--id', app.id, '--management-access', 'true');
    const made = await sesame.createApp({ name: 'Admin made', type: 'spa', third_party: true, redirect_uris: ['https://made.example.com/cb'] });
    await fails(/only apps that registered themselves/, 'apps', 'deny', '--id', made.clientId);
  });

  it('are decided and governed through the Management API too', async () => {
    const api = apiClient(sesame, await managementToken(sesame));
    const put = await api('PUT', '/api/registration', { dcr: 'approval', cimd: 'open', allowed_domains: ['Example.COM', '*.tools.example.org'] });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ dcr: 'approval', cimd: 'open', allowed_domains: ['example.com', 'tools.example.org'] });
    expect((await api('GET', '/api/registration')).body).toMatchObject({ dcr: 'approval', cimd: 'open' });
    expectProblem(await api('PUT', '/api/registration', { dcr: 'sometimes' }), 400, 'request.invalid');
    expectProblem(await api('PUT', '/api/registration', { allowed_domains: ['not a domain/'] }), 400, 'request.invalid');
    // Partial update: what is not given keeps its value.
    expect((await api('PUT', '/api/registration', { unused_app_days: 7 })).body).toMatchObject({ dcr: 'approval', allowed_domains: ['example.com', 'tools.example.org'], unused_app_days: 7 });
    // Default permissions of new dynamic apps: registered scopes only.
    expectProblem(await api('PUT', '/api/registration', { default_resource_scopes: [{ indicator: 'https://nowhere.example.com', scope: 'x' }] }), 422, 'permission.unknown_scope');
    expectProblem(await api('PUT', '/api/registration', { default_user_scopes: ['openid'] }), 400, 'request.invalid');
    const defaults = await api('PUT', '/api/registration', { default_user_scopes: ['email'] });
    expect(defaults.body).toMatchObject({ default_user_scopes: ['email'], default_resource_scopes: [] });
    await api('PUT', '/api/registration', { default_user_scopes: [] });
    await api('PUT', '/api/registration', { cimd: 'approval', allowed_domains: [] });

    const app = await arrivingApp('Via the API');
    const pending = await api('GET', '/api/applications?status=pending&dynamic=true');
    expect(pending.body.data.map((a: { id: string }) => a.id)).toContain(app.id);
    expect(pending.body.data.find((a: { id: string }) => a.id === app.id)).toMatchObject({ origin: 'cimd', status: 'pending' });
    expect((await api('POST', `/api/applications/${encodeURIComponent(app.id)}/approve`)).body).toMatchObject({ status: 'approved' });
    expect((await api('POST', `/api/applications/${encodeURIComponent(app.id)}/deny`)).body).toMatchObject({ status: 'denied' });
    expectProblem(await api('PATCH', `/api/applications/${encodeURIComponent(app.id)}`, { management_access: true }), 422, 'application.invalid');
    expectProblem(await api('POST', '/api/applications/nope/approve'), 404, 'application.not_found');
    const events = await api('GET', `/api/audit-events?client_id=${encodeURIComponent(app.id)}`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['app.registered', 'app.approved', 'app.denied']));
  });
});

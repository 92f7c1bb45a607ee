import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * An admin records the domain they checked belongs to a third-party app's publisher (the consent screen's
 * Verified badge, test/browser-consent-trust.test.ts): the same field through the Management API and the CLI.
 */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
const { json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

describe('an app\'s verified domain', () => {
  it('is set, read and cleared through the Management API, in lower case', async () => {
    const created = await api('POST', '/api/applications', { name: 'Partner', type: 'spa', third_party: true, redirect_uris: ['https://app.partner.example/cb'], verified_domain: 'Partner.Example' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.verified_domain).toBe('partner.example');
    const id = created.body.client_id ?? created.body.id;
    expect((await api('GET', `/api/applications/${id}`)).body.verified_domain).toBe('partner.example');
    const cleared = await api('PATCH', `/api/applications/${id}`, { verified_domain: '' });
    expect(cleared.body.verified_domain).toBeNull();
  });

  it('must be a domain name, and only a third-party app has one', async () => {
    const app = await sesame.createApp({ name: 'Partner 2', type: 'spa', third_party: true, redirect_uris: ['https://p2.example/cb'] });
    for (const bad of ['https://p2.example', 'p2.example/path', 'p2.example:443', '*.p2.example', 'localhost x']) {
      expectProblem(await api('PATCH', `/api/applications/${app.clientId}`, { verified_domain: bad }), 400, 'request.invalid');
    }
    const own = await sesame.createApp({ name: 'Own', type: 'spa', redirect_uris: ['https://own.example/cb'] });
    const refused = await api('PATCH', `/api/applications/${own.clientId}`, { verified_domain: 'own.example' });
    expectProblem(refused, 422, 'application.invalid');
    expect(refused.body.detail).toMatch(/first-party app shows no consent screen/);
  });

  it('is set with the CLI\'s --verified-domain', async () => {
    const app = await sesame.createApp({ name: 'Partner 3', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/cb'] });
    const updated = await json('apps', 'update', '--id', app.clientId, '--verified-domain', 'tools.example.org');
    expect(updated.verified_domain ?? updated.application?.verified_domain).toBe('tools.example.org');
    await fails(/--verified-domain must be a domain name/, 'apps', 'update', '--id', app.clientId, '--verified-domain', 'not a domain');
  });
});

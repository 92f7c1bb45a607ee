import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languages } from '../src/i18n/languages.ts';
import { supportedLocales } from '../src/i18n/messages.ts';
import { cliWith } from './support/cli.ts';
import { allow, authorizeUntilConsent, decide } from './support/consent.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * A scope's description in each language of the consent screen: kept with the scope, set through the Management
 * API and the CLI, refused with a message naming the field when wrong, and read by the consent screen and the
 * account page in the person's language (else the default description, else the scope's name).
 */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

let n = 0;
const newResource = async (scopes: unknown[] = []) => {
  const created = await api('POST', '/api/resources', { name: `Notes ${++n}`, indicator: `https://notes${n}.example.com`, scopes });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; indicator: string; scopes: { id: string; name: string; description: string; description_translations: Record<string, string> }[] };
};

describe('Management API', () => {
  it('keeps a description per shipped language, replaces them on update and drops empty ones', async () => {
    const resource = await newResource([{ name: 'notes:read', description: 'Read your notes', description_translations: { fr: 'Lire vos notes', ja: 'メモを読む' } }]);
    expect(resource.scopes[0]).toMatchObject({ description: 'Read your notes', description_translations: { fr: 'Lire vos notes', ja: 'メモを読む' } });

    const added = await api('POST', `/api/resources/${resource.id}/scopes`, { name: 'notes:write', description_translations: { ko: ' 메모 쓰기 ', ru: '' } });
    expect(added.status).toBe(201);
    expect(added.body.description_translations, 'trimmed; empty ones dropped').toEqual({ ko: '메모 쓰기' });

    const scope = resource.scopes[0]!;
    const patched = await api('PATCH', `/api/resources/${resource.id}/scopes/${scope.id}`, { description_translations: { fr: 'Consulter vos notes', ru: 'Читать заметки', ja: '' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'Read your notes', description_translations: { fr: 'Consulter vos notes', ru: 'Читать заметки' } });

    const renamed = await api('PATCH', `/api/resources/${resource.id}/scopes/${scope.id}`, { description: 'See your notes' });
    expect(renamed.body.description_translations, 'left out: kept').toEqual({ fr: 'Consulter vos notes', ru: 'Читать заметки' });
    const fetched = await api('GET', `/api/resources/${resource.id}`);
    expect(fetched.body.scopes.find((s: { id: string }) => s.id === scope.id)).toMatchObject({ description: 'See your notes', description_translations: { fr: 'Consulter vos notes' } });
  });

  it('refuses a language Sesame does not ship and a translation too long, naming the field', async () => {
    const resource = await newResource([{ name: 'notes:read' }]);
    const path = `/api/resources/${resource.id}/scopes/${resource.scopes[0]!.id}`;

    const unknown = await api('PATCH', path, { description_translations: { de: 'Notizen lesen', fr: 'Lire' } });
    expectProblem(unknown, 400, 'request.invalid');
    expect(unknown.body.errors).toEqual([{
      pointer: '/description_translations/de',
      detail: 'Description translations can only be in the languages Sesame\'s pages ship (en, fr, ja, ko, ru), not "de".',
    }]);

    const long = await api('PATCH', path, { description_translations: { fr: 'x'.repeat(1025) } });
    expectProblem(long, 400, 'request.invalid');
    expect(long.body.errors).toEqual([{ pointer: '/description_translations/fr', detail: 'Description in French must be at most 1024 characters.' }]);

    const notText = await api('POST', `/api/resources/${resource.id}/scopes`, { name: 'notes:x', description_translations: { ja: 42 } });
    expect(notText.body.errors).toEqual([{ pointer: '/description_translations/ja', detail: 'Description in Japanese must be text.' }]);

    const nested = await api('POST', '/api/resources', { name: 'Nested', indicator: 'https://nested.example.com', scopes: [{ name: 'a' }, { name: 'b', description_translations: { ru: 'x'.repeat(2000) } }] });
    expect(nested.body.errors).toEqual([{ pointer: '/scopes/1/description_translations/ru', detail: 'Description in Russian (scope 2) must be at most 1024 characters.' }]);
    expect((await api('GET', `/api/resources/${resource.id}`)).body.scopes[0].description_translations).toEqual({});
  });

  it('names each shipped language', () => {
    expect(languages.map((l) => l.code).sort()).toEqual([...supportedLocales].sort());
  });
});

describe('CLI', () => {
  const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

  it('adds and updates translations with --description-LANG, and names the flag when one is wrong', async () => {
    const resource = await newResource();
    const added = await cli.json('resources', 'scopes', 'add', '--id', resource.id, '--name', 'mail.read', '--description', 'Read your mail', '--description-fr', 'Lire vos e-mails');
    expect(added).toMatchObject({ name: 'mail.read', description_translations: { fr: 'Lire vos e-mails' } });

    const updated = await cli.json('resources', 'scopes', 'update', '--id', resource.id, '--name', 'mail.read', '--description-ja', 'メールを読む', '--description-fr', '');
    expect(updated.description_translations).toEqual({ ja: 'メールを読む' });
    expect(updated.description).toBe('Read your mail');
    const shown = await cli.run('resources', 'show', '--id', resource.id);
    expect(shown.stdout).toMatch(/mail\.read\t\S+\tRead your mail\n\s+ja: メールを読む/);

    const long = await cli.fails(/^--description-ko: Description in Korean must be at most 1024 characters\.$/m, 'resources', 'scopes', 'update', '--id', resource.id, '--name', 'mail.read', '--description-ko', 'x'.repeat(1025));
    expect(long.stderr).not.toMatch(/description_translations|expected|Too big/);
    await cli.fails(/Unknown option '--description-de'/, 'resources', 'scopes', 'update', '--id', resource.id, '--name', 'mail.read', '--description-de', 'Post lesen');
  });
});

describe('consent screen and account page', () => {
  it('show the description in the person\'s language, else the default, else the scope name', async () => {
    const resource = await newResource([
      { name: 'notes:read', description: 'Read your notes', description_translations: { fr: 'Lire vos notes', ja: 'メモを読む' } },
      { name: 'notes:share' },
    ]);
    const user = await sesame.createUser();
    const role = await api('POST', '/api/roles', { name: `notes-${n}`, scope_ids: resource.scopes.map((s) => s.id) });
    expect((await api('POST', `/api/roles/${role.body.id}/users`, { user_ids: [user.id] })).status).toBe(204);
    const app = await sesame.createApp({ name: 'Notes partner', type: 'traditional', third_party: true, redirect_uris: ['https://notes-partner.example.com/cb'] });
    await allow(sesame, app.clientId, [], resource.scopes.map((s) => ({ indicator: resource.indicator, scope: s.name })));
    const rp = await relyingParty(sesame, app, 'https://notes-partner.example.com/cb');

    const labelsIn = async (acceptLanguage: string) => {
      const agent = new UserAgent(sesame.url, { 'accept-language': acceptLanguage });
      const request = await authorizationRequest(rp, { scope: 'openid notes:read notes:share', resource: resource.indicator, prompt: 'consent' });
      const step = await authorizeUntilConsent(agent, request.url.toString(), { login: user.username, password: user.password });
      if (!('consent' in step)) throw new Error('no consent screen');
      const labels = [...step.consent.page.matchAll(/name="grant" value="[^"]+ (notes:\w+)"[^>]*>\s*<span>([^<]+)</g)].map((m) => [m[1], m[2]]);
      await decide(agent, step.consent, ['notes:read', 'notes:share'].map((s) => `${resource.indicator} ${s}`));
      const account = await (await agent.follow(`${sesame.url}/account`)).response.text();
      return { labels, account };
    };

    const fr = await labelsIn('fr-FR,fr;q=0.9');
    expect(fr.labels).toEqual([['notes:read', 'Lire vos notes'], ['notes:share', 'notes:share']]);
    expect(fr.account).toContain('Lire vos notes');
    const ja = await labelsIn('ja');
    expect(ja.labels).toEqual([['notes:read', 'メモを読む'], ['notes:share', 'notes:share']]);
    expect(ja.account).toContain('メモを読む');
    const ko = await labelsIn('ko');
    expect(ko.labels, 'no Korean translation: the default description').toEqual([['notes:read', 'Read your notes'], ['notes:share', 'notes:share']]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, managementToken, type ApiResponse } from './support/management.ts';
import { cliWith } from './support/cli.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { loadConfig } from '../src/config/config.ts';

/**
 * Every message a person reads about bad input names the field by its label and says what to do, in the Management
 * API's problem details (per field and in `detail`) and in the CLI (by flag): never a validator's own words
 * ("Too small: expected string to have >=1 characters", "expected int, received number") nor an API field name.
 */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let ids: { app: string; thirdParty: string; user: string; role: string; resource: string; scope: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  const app = await sesame.createApp({ name: 'Messages web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  const thirdParty = await sesame.createApp({ name: 'Messages partner', type: 'spa', third_party: true, redirect_uris: ['https://partner.example.com/cb'] });
  const user = await sesame.createUser();
  const role = await api('POST', '/api/roles', { name: 'Messages role' });
  const resource = await api('POST', '/api/resources', { name: 'Messages API', indicator: 'https://messages.example.com', scopes: [{ name: 'notes:read' }] });
  ids = { app: app.clientId, thirdParty: thirdParty.clientId, user: user.id, role: role.body.id, resource: resource.body.id, scope: resource.body.scopes[0].id };
});
afterAll(async () => sesame?.stop());

/** What a validator says, and what a person should never read. */
const jargon = /expected|received|>=|<=|too (small|big)|invalid input|invalid_|nonoptional|\bNaN\b|\bint\b|\bundefined\b/i;

/** A bad request, the fields it gets wrong by pointer, and the label each message must name. */
interface Case {
  family: string;
  method: string;
  path: () => string;
  body?: unknown;
  fields: Record<string, string>;
}

const long = (n: number) => 'x'.repeat(n);

const cases: Case[] = [
  { family: 'applications', method: 'POST', path: () => '/api/applications', body: { name: '', type: 'desktop' }, fields: { '/name': 'Application name', '/type': 'Application type' } },
  { family: 'applications', method: 'POST', path: () => '/api/applications', body: { name: long(300), description: long(3000) }, fields: { '/name': 'Application name', '/description': 'Description', '/type': 'Application type' } },
  { family: 'applications', method: 'PATCH', path: () => `/api/applications/${ids.app}`, body: { refresh_token_ttl_days: 1.5, rotate_refresh_token: 'yes', redirect_uris: 'https://web.example.com/cb' }, fields: { '/refresh_token_ttl_days': 'Refresh token lifetime (days)', '/rotate_refresh_token': 'Rotate refresh tokens', '/redirect_uris': 'Redirect URIs' } },
  { family: 'applications', method: 'PATCH', path: () => `/api/applications/${ids.app}`, body: { refresh_token_ttl_days: 0, cors_origins: [42] }, fields: { '/refresh_token_ttl_days': 'Refresh token lifetime (days)', '/cors_origins/0': 'CORS allowed origin 1' } },
  { family: 'applications', method: 'POST', path: () => `/api/applications/${ids.app}/secrets`, body: { name: '', expires_at: 'tomorrow' }, fields: { '/name': 'Secret name', '/expires_at': 'Expiry date' } },
  { family: 'applications', method: 'GET', path: () => '/api/applications?limit=0&type=desktop', fields: { '/query/limit': 'Page size', '/query/type': 'Application type' } },
  { family: 'users', method: 'POST', path: () => '/api/users', body: { username: 'a b', password: 'short', email: 'nope' }, fields: { '/username': 'Username', '/password': 'Password', '/email': 'Email' } },
  { family: 'users', method: 'PATCH', path: () => `/api/users/${ids.user}`, body: { website: 'ftp://example.com', birthdate: '1/2/2000', is_admin: 'yes', given_name: long(300) }, fields: { '/website': 'Website', '/birthdate': 'Birthdate', '/is_admin': 'Admin', '/given_name': 'Given name' } },
  { family: 'users', method: 'PUT', path: () => `/api/users/${ids.user}/password`, body: { password: 'x' }, fields: { '/password': 'Password' } },
  { family: 'roles', method: 'POST', path: () => '/api/roles', body: { name: '', description: long(2000) }, fields: { '/name': 'Role name', '/description': 'Description' } },
  { family: 'roles', method: 'POST', path: () => `/api/roles/${ids.role}/users`, body: { user_ids: [] }, fields: { '/user_ids': 'Users' } },
  { family: 'roles', method: 'POST', path: () => `/api/roles/${ids.role}/scopes`, body: { scope_ids: [''] }, fields: { '/scope_ids/0': 'Scope 1' } },
  { family: 'resources', method: 'POST', path: () => '/api/resources', body: { name: '', indicator: 'https://new.example.com', access_token_ttl: 30.5 }, fields: { '/name': 'API name', '/access_token_ttl': 'Access token lifetime (seconds)' } },
  { family: 'resources', method: 'POST', path: () => '/api/resources', body: { name: 'Bad indicator', indicator: 'not a uri' }, fields: { '/indicator': 'API identifier' } },
  { family: 'resources', method: 'POST', path: () => `/api/resources/${ids.resource}/scopes`, body: { name: 'has space', description: long(2000) }, fields: { '/name': 'Scope name', '/description': 'Scope description' } },
  { family: 'resources', method: 'PATCH', path: () => `/api/resources/${ids.resource}`, body: { access_token_ttl: 10 }, fields: { '/access_token_ttl': 'Access token lifetime (seconds)' } },
  { family: 'permissions', method: 'PUT', path: () => `/api/applications/${ids.thirdParty}/permissions`, body: { user_scopes: ['everything'] }, fields: { '/user_scopes/0': 'User data scope 1' } },
  { family: 'branding', method: 'PUT', path: () => `/api/applications/${ids.thirdParty}/branding`, body: { logo_url: 'javascript:alert(1)', terms_url: 'http://partner.example.com/terms', display_name: long(300) }, fields: { '/display_name': 'Display name' } },
  { family: 'branding', method: 'PUT', path: () => `/api/applications/${ids.thirdParty}/branding`, body: { logo_url: 'javascript:alert(1)', terms_url: 'http://partner.example.com/terms' }, fields: { '/logo_url': 'Logo URL', '/terms_url': 'Terms of use URL' } },
  { family: 'sign-in experience', method: 'PUT', path: () => '/api/sign-in-experience', body: { product_name: '', primary_color: 'red', default_language: 'de', self_registration: 'yes', logo_url: 'ftp://x' }, fields: { '/product_name': 'Product name', '/primary_color': 'Primary colour', '/default_language': 'Default language', '/self_registration': 'Allow self-registration', '/logo_url': 'Logo URL' } },
  { family: 'sign-in experience', method: 'PUT', path: () => '/api/sign-in-experience', body: { require_verified_email: 'yes' }, fields: { '/require_verified_email': 'Require a verified email to sign in' } },
  { family: 'grants', method: 'DELETE', path: () => `/api/users/${ids.user}/grants/${long(200)}`, fields: { '/params/clientId': 'Client ID' } },
  { family: 'lockouts', method: 'GET', path: () => '/api/lockouts?user_id=', fields: { '/query/user_id': 'User ID' } },
  { family: 'audit', method: 'GET', path: () => '/api/audit-events?type=nope&offset=-1', fields: { '/query/type': 'Event type', '/query/offset': 'Offset' } },
  { family: 'emails', method: 'GET', path: () => '/api/emails?status=lost&user_id=&limit=0', fields: { '/query/status': 'Status', '/query/user_id': 'User ID', '/query/limit': 'Page size' } },
  { family: 'emails', method: 'POST', path: () => `/api/emails/${long(200)}/retry`, fields: { '/params/id': 'Email ID' } },
];

/** Field names the request itself used (snake_case ones): a message for a person never repeats them. */
function apiNames(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  return Object.entries(body).flatMap(([key, value]) => [...(key.includes('_') ? [key] : []), ...apiNames(value)]);
}

function expectPersonReadable(response: ApiResponse, c: Case) {
  expect([400, 422], JSON.stringify(response.body)).toContain(response.status);
  const errors = response.body.errors as { pointer: string; detail: string }[];
  const messages = [response.body.detail as string, ...errors.map((e) => e.detail)];
  for (const message of messages) {
    expect(message, `${c.family}: ${message}`).not.toMatch(jargon);
    for (const name of [...apiNames(c.body), 'clientId', 'user_id']) expect(message, `${c.family}: ${message}`).not.toContain(name);
    expect(message, `${c.family}: a sentence`).toMatch(/^[A-Z"“].*\.$/s);
  }
  for (const [pointer, label] of Object.entries(c.fields)) {
    const error = errors.find((e) => e.pointer === pointer);
    expect(error, `${c.family}: no error at ${pointer} in ${JSON.stringify(errors)}`).toBeDefined();
    expect(error!.detail, `${c.family} ${pointer}`).toContain(label);
    expect(response.body.detail, `${c.family}: the summary names ${label}`).toContain(label);
  }
}

describe('Management API problem details', () => {
  cases.forEach((c, i) => {
    it(`${c.family} ${i + 1}: ${c.method} ${Object.keys(c.fields).join(' ')}`, async () => {
      expectPersonReadable(await api(c.method, c.path(), c.body), c);
    });
  });

  it('says in words what an unknown field is, and where', async () => {
    const response = await api('PATCH', `/api/applications/${ids.app}`, { nmae: 'typo' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ pointer: '/nmae', detail: expect.stringMatching(/^"nmae" is not a field .*\.$/) }]);
  });

  it('answers in English and says so', async () => {
    const response = await api('POST', '/api/applications', { name: '' }, { 'accept-language': 'fr' });
    expect(response.headers.get('content-language')).toBe('en');
  });
});

describe('CLI messages name the flag', () => {
  const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));
  const runs: [string[], RegExp][] = [
    [['users', 'create', '--username', 'cli-short', '--password', 'short'], /--password\b.*at least 8 characters/],
    [['apps', 'create', '--name', '', '--type', 'spa'], /--name\b/],
    [['apps', 'update', '--id', 'nope', '--refresh-token-ttl-days', '1.5'], /--refresh-token-ttl-days\b.*whole number/],
    [['resources', 'create', '--name', 'CLI API', '--indicator', 'https://cli.example.com', '--access-token-ttl', '30'], /--access-token-ttl\b.*at least 60/],
    [['resources', 'create', '--name', 'CLI API', '--indicator', 'not a uri'], /--indicator\b/],
    [['sign-in-experience', 'set', '--primary-color', 'red'], /--primary-color\b/],
  ];
  for (const [args, pattern] of runs) {
    it(args.join(' '), async () => {
      const run = await cli.run(...args);
      expect(run.code, run.stdout).not.toBe(0);
      expect(run.stderr).toMatch(pattern);
      expect(run.stderr).not.toMatch(jargon);
      expect(run.stderr).not.toMatch(/\b[a-z]+_[a-z_]+\b|accessTokenTtl/);
    });
  }

  it('names the flag of a branding URL', async () => {
    const run = await cli.run('apps', 'branding', 'set', '--id', ids.thirdParty, '--logo-url', 'javascript:alert(1)');
    expect(run.stderr).toMatch(/--logo-url\b/);
    expect(run.stderr).not.toMatch(/logo_url/);
  });
});

describe('labels', () => {
  type Json = Record<string, any>;
  /** Every field a request takes has a label (`title`), or the messages about it could only name its key. */
  function unlabelled(schema: Json, components: Json, where: string, seen = new Set<string>()): string[] {
    if (schema.$ref) {
      if (seen.has(schema.$ref)) return [];
      return unlabelled(components[schema.$ref.split('/').pop()], components, where, new Set([...seen, schema.$ref]));
    }
    const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])] as Json[];
    if (branches.length) return branches.flatMap((branch) => unlabelled({ title: schema.title, ...branch }, components, where, seen));
    const missing: string[] = [];
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
      const resolved = property.$ref ? components[property.$ref.split('/').pop()] : property;
      const titled = resolved.title ?? property.title ?? [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])].find((b: Json) => b.title)?.title;
      if (!titled) missing.push(`${where}/${name}`);
      missing.push(...unlabelled(property, components, `${where}/${name}`, seen));
    }
    if (schema.type === 'array' && schema.items) {
      if (!schema.items.title && !schema.items.$ref) missing.push(`${where}/items`);
      missing.push(...unlabelled(schema.items, components, `${where}/0`, seen));
    }
    return missing;
  }

  it('every parameter and body field of every operation has one', async () => {
    const doc = (await api('GET', '/api/openapi.json')).body;
    const components = doc.components.schemas;
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(operations as Record<string, Json>)) {
        for (const parameter of operation.parameters ?? []) {
          if (!parameter.schema?.title) missing.push(`${method} ${path} ${parameter.in} ${parameter.name}`);
        }
        const body = operation.requestBody?.content?.['application/json']?.schema;
        if (body) missing.push(...unlabelled(body, components, `${method} ${path} body`));
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('configuration', () => {
  it.each([
    [{ PORT: '70000' }, 'PORT: must be at most 65535'],
    [{ PORT: 'eighty' }, 'PORT: must be a number'],
  ])('%o: a message naming the variable, without validator jargon', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toMatch(jargon);
    }
  });
});

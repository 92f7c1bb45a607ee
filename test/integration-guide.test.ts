import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guide } from '../src/apps/guide/guide.schema.ts';
import { findSample, hasCommand, writeSample } from './support/guide-samples.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The integration guide of an app (GET /api/applications/{id}/guide and its Markdown twin): written from the
 * app's real values and what it may ask for, never holding a client secret, and samples that stay valid code
 * whatever characters the app's values hold.
 */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

async function create(input: Record<string, unknown>) {
  const created = await api('POST', '/api/applications', input);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; client_secret?: string };
}

async function guideOf(id: string): Promise<Guide> {
  const response = await api<Guide>('GET', `/api/applications/${id}/guide`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response.body;
}

const allCode = (guide: Guide) => guide.samples.flatMap((s) => s.files.map((f) => f.code)).join('\n');

describe('the integration guide', () => {
  it('of a third-party web app: issuer and discovery first, its client, its allowlist, its flow, never its secret', async () => {
    const app = await create({
      name: 'Partner Wiki', type: 'traditional', third_party: true,
      redirect_uris: ['https://wiki.partner.example/oidc/callback'], post_logout_redirect_uris: ['https://wiki.partner.example/'],
    });
    await sesame.sesame.db.insertInto('api_resources').values({ id: 'res_guide', name: 'Orders API', indicator: 'https://orders.example.com', access_token_ttl: null }).execute();
    await sesame.sesame.db.insertInto('api_resource_scopes').values([
      { id: 'scp_guide_read', resource_id: 'res_guide', name: 'orders:read', description: 'Read orders' },
      { id: 'scp_guide_write', resource_id: 'res_guide', name: 'orders:write', description: 'Change orders' },
    ]).execute();
    const allowed = await api('PUT', `/api/applications/${app.id}/permissions`, {
      user_scopes: ['profile', 'email'], resource_scopes: [{ resource: 'https://orders.example.com', scope: 'orders:read' }],
    });
    expect(allowed.status).toBe(200);

    const guide = await guideOf(app.id);
    expect(Object.keys(guide).slice(0, 8)).toEqual(['client_id', 'name', 'type', 'third_party', 'issuer', 'discovery_url', 'client_secret', 'redirect_uris']);
    expect(guide).toMatchObject({
      client_id: app.id, type: 'traditional', third_party: true,
      issuer: sesame.url, discovery_url: `${sesame.url}/.well-known/openid-configuration`,
      client_secret: { placeholder: '<your client secret>', note: expect.stringContaining('Endpoints & credentials') },
      redirect_uris: ['https://wiki.partner.example/oidc/callback'],
      post_logout_redirect_uris: ['https://wiki.partner.example/'],
      flow: { token_endpoint_auth_method: 'client_secret_basic', pkce: 'optional', grant_types: ['authorization_code', 'refresh_token'] },
      warnings: [],
    });
    expect(guide.scopes.user.map((s) => s.name)).toEqual(['openid', 'offline_access', 'profile', 'email']);
    expect(guide.scopes.resources).toEqual([{ indicator: 'https://orders.example.com', name: 'Orders API', scopes: [{ name: 'orders:read', description: 'Read orders' }] }]);
    expect(guide.samples.map((s) => s.id)).toEqual(['node-express', 'node-openid-client', 'python-authlib', 'apache']);
    // The samples ask for what the app may have, and no more: asking for more would fail with invalid_scope.
    expect(findSample(guide, 'node-express').files[0]!.code).toContain("scope: 'openid profile email'");
    expect(findSample(guide, 'apache').files[0]!.code).toContain('OIDCRedirectURI "https://wiki.partner.example/oidc/callback"');
    expect(findSample(guide, 'python-authlib').files[0]!.code).toContain("@app.route('/oidc/callback')");

    // The values a service's "custom OIDC provider" form asks for.
    const fields = Object.fromEntries(guide.external_idp!.fields.map((f) => [f.label, f.value]));
    expect(fields).toMatchObject({
      'Issuer URL': sesame.url, 'Discovery URL': guide.discovery_url, 'Client ID': app.id, 'Client secret': '<your client secret>',
      Scopes: 'openid profile email', 'Token endpoint authentication': 'client_secret_basic', 'Token URL': `${sesame.url}/oidc/token`,
    });
    expect(guide.external_idp!.callback).toMatch(/Redirect URIs/);

    // Only a hash of the secret is kept, so no guide can hold it.
    expect(JSON.stringify(guide)).not.toContain(app.client_secret);
  });

  it('of a first-party web app: every OpenID Connect scope and every registered API', async () => {
    const app = await create({ name: 'Intranet', type: 'traditional', redirect_uris: ['https://intranet.example.com/cb'] });
    const guide = await guideOf(app.id);
    expect(guide.scopes.user.map((s) => s.name)).toEqual(['openid', 'offline_access', 'profile', 'email', 'phone', 'address', 'roles']);
    expect(guide.scopes.user.find((s) => s.name === 'email')!.description).toContain('`email_verified`');
    expect(guide.scopes.resources.map((r) => r.indicator)).toContain('https://orders.example.com');
    expect(guide.scopes.resources.find((r) => r.indicator === 'https://orders.example.com')!.scopes.map((s) => s.name)).toEqual(['orders:read', 'orders:write']);
    expect(guide.flow.points.join(' ')).not.toMatch(/consent screen/);
  });

  it('of a new single-page app: PKCE S256 and no secret, and a warning until it has a redirect URI', async () => {
    const app = await create({ name: 'Board', type: 'spa', third_party: true });
    expect(app.client_secret).toBeUndefined();
    const guide = await guideOf(app.id);
    expect(guide.client_secret).toBeNull();
    expect(guide.flow).toMatchObject({ token_endpoint_auth_method: 'none', pkce: 'required' });
    expect(guide.warnings).toEqual([expect.stringContaining('`http://localhost:5173/callback`')]);
    expect(allCode(guide)).not.toContain('<your client secret>');
    expect(guide.external_idp!.fields.find((f) => f.label === 'Token endpoint authentication')!.value).toBe('none');

    await api('PATCH', `/api/applications/${app.id}`, { redirect_uris: ['https://board.partner.example/callback'] });
    const after = await guideOf(app.id);
    expect(after.warnings).toEqual([]);
    expect(findSample(after, 'spa-oidc-client-ts').files[1]!.code).toContain("redirect_uri: 'https://board.partner.example/callback'");
  });

  it('of a native app: loopback on any port and custom schemes, each sample on its own kind of redirect', async () => {
    const app = await create({ name: 'Notes', type: 'native', third_party: true, redirect_uris: ['com.partner.notes:/oauth2redirect', 'http://127.0.0.1/callback'] });
    const guide = await guideOf(app.id);
    expect(guide.warnings).toEqual([]);
    expect(guide.flow.points.join(' ')).toMatch(/any port \(RFC 8252 §7\.3\)/);
    expect(guide.flow.points.join(' ')).toMatch(/every sign-in/);
    expect(guide.samples.map((s) => s.id)).toEqual(['cli-loopback', 'appauth-ios', 'appauth-android']);
    expect(findSample(guide, 'cli-loopback').files[0]!.code).toContain("new URL('http://127.0.0.1/callback')");
    expect(findSample(guide, 'appauth-ios').files[1]!.code).toContain('<string>com.partner.notes</string>');
    expect(findSample(guide, 'appauth-android').files[0]!.code).toContain('manifestPlaceholders["appAuthRedirectScheme"] = "com.partner.notes"');
    expect(findSample(guide, 'cli-loopback').files[0]!.code).toContain("scope: 'openid offline_access'");

    const bare = await guideOf((await create({ name: 'Bare', type: 'native' })).id);
    expect(bare.warnings).toHaveLength(2);
  });

  it('of an m2m app: the client credentials grant for the APIs it may call, and no sign-in sections', async () => {
    const app = await create({ name: 'Exporter', type: 'm2m', management_access: true });
    const guide = await guideOf(app.id);
    expect(guide).toMatchObject({ external_idp: null, flow: { grant_types: ['client_credentials'], pkce: 'none' }, warnings: [] });
    expect(guide.scopes.user).toEqual([]);
    expect(guide.scopes.resources).toEqual([{ indicator: `${sesame.url}/api`, name: 'Sesame Management API', scopes: [expect.objectContaining({ name: 'management' })] }]);
    expect(findSample(guide, 'm2m-curl').files[0]!.code).toBe([
      `curl -u '${app.id}:<your client secret>' \\`,
      '  -d grant_type=client_credentials \\',
      `  --data-urlencode 'resource=${sesame.url}/api' \\`,
      "  --data-urlencode 'scope=management' \\",
      `  '${sesame.url}/oidc/token'`,
    ].join('\n'));
    expect(guide.markdown).not.toMatch(/Redirect URIs \|/);
  });

  it('as Markdown, to send to a partner: the same values, no secret, the app\'s name escaped', async () => {
    const app = await create({ name: 'Notes <script>alert(1)</script> | *bold*', type: 'traditional', third_party: true, redirect_uris: ['https://notes.example/cb'] });
    const response = await api<string>('GET', `/api/applications/${app.id}/guide.md`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-disposition')).toBe(`inline; filename="${app.id}-integration-guide.md"`);
    const markdown = response.body;
    expect(markdown).toBe((await guideOf(app.id)).markdown);
    expect(markdown.split('\n')[0]).toBe('# Integration guide: Notes \\<script\\>alert\\(1\\)\\</script\\> \\| \\*bold\\*');
    expect(markdown).toContain(`| Issuer | \`${sesame.url}\` |`);
    expect(markdown).toContain(`| Client ID | \`${app.id}\` |`);
    expect(markdown.indexOf('| Issuer |')).toBeLessThan(markdown.indexOf('| Client ID |'));
    expect(markdown).toContain('## Services that accept an external OpenID Connect provider');
    expect(markdown).toContain('### Node.js · express-openid-connect');
    expect(markdown).toContain('```javascript\n// app.mjs');
    expect(markdown).not.toContain(app.client_secret);
  });

  it('answers problems for an unknown app and without a token', async () => {
    expectProblem(await api('GET', '/api/applications/nope/guide'), 404, 'application.not_found');
    expectProblem(await api('GET', '/api/applications/nope/guide.md'), 404, 'application.not_found');
    const app = await create({ name: 'Private', type: 'spa' });
    expectProblem(await apiClient(sesame)('GET', `/api/applications/${app.id}/guide`), 401, 'auth.missing_token');
    expectProblem(await apiClient(sesame)('GET', `/api/applications/${app.id}/guide.md`), 401, 'auth.missing_token');
  });

  it('is in the OpenAPI document, the Markdown one as text/markdown', async () => {
    const { body: doc } = await apiClient(sesame)('GET', '/api/openapi.json');
    expect(doc.paths['/api/applications/{id}/guide'].get.operationId).toBe('getApplicationGuide');
    expect(doc.paths['/api/applications/{id}/guide'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ApplicationGuide' });
    expect(doc.paths['/api/applications/{id}/guide.md'].get.responses['200'].content).toHaveProperty('text/markdown');
  });

  it('keeps every sample valid code whatever the app\'s values hold (quotes, template and shell syntax)', async () => {
    const hostile = "https://x.example/cb?q='${process.exit(9)}`\"$(id)";
    const web = await create({ name: "O'Brien \"Notes\" ${x}", type: 'traditional', third_party: true, redirect_uris: [hostile], post_logout_redirect_uris: [`${hostile}&out`] });
    const spa = await create({ name: 'S', type: 'spa', redirect_uris: [hostile] });
    const native = await create({ name: 'N', type: 'native', redirect_uris: ["http://127.0.0.1/cb?q='${x}`", "com.x.y:/cb?'${x}\"$y"] });
    for (const guide of [await guideOf(web.id), await guideOf(spa.id), await guideOf(native.id)]) {
      for (const sample of guide.samples) {
        for (const file of sample.files.filter((f) => f.language === 'javascript')) {
          const dir = writeSample([file]);
          const checked = spawnSync(process.execPath, ['--check', file.name], { cwd: dir, encoding: 'utf8' });
          expect(checked.status, `${sample.id} ${file.name}: ${checked.stderr}`).toBe(0);
        }
      }
    }
    const express = findSample(await guideOf(web.id), 'node-express').files[0]!.code;
    // As stored: the canonical form redirect URIs are compared in, the quotes percent-encoded; the backtick and `${` stay, inert in single quotes.
    expect(express).toContain("routes: { callback: '/cb', postLogoutRedirect: 'https://x.example/cb?q=%27${process.exit(9)}`%22$(id)&out' }");
    if (hasCommand('python3')) {
      const python = findSample(await guideOf(web.id), 'python-authlib').files[0]!;
      const dir = writeSample([python]);
      const compiled = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', python.name], { cwd: dir, encoding: 'utf8' });
      expect(compiled.status, compiled.stderr).toBe(0);
    }
  });
});

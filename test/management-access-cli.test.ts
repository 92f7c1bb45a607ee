import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { expectOAuthError, relyingParty, signIn } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/** The CLI's resource, role, permission, branding, grant and audit commands, run while the server is up. */

let sesame: TestSesame;

beforeAll(async () => {
  sesame = await startTestSesame();
});
afterAll(async () => sesame?.stop());

// In this process, through the binary's entry function (test/support/cli.ts). With DATABASE_URL the CLI runs on its
// own, configured like every node (the issuer names the reserved /api); on the embedded database it reaches the server
// through its Unix socket.
const { run: sesameCli, json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_ISSUER: sesame.url, SESAME_LOG_LEVEL: 'silent' }));

describe('resources and roles', () => {
  it('registers resources with scopes and builds roles from them', async () => {
    const resource = await json('resources', 'create', '--name', 'Mail API', '--indicator', 'https://mail.example.com',
      '--access-token-ttl', '900', '--scope', 'mail:read Read your mail', '--scope', 'mail:send');
    expect(resource).toMatchObject({ name: 'Mail API', indicator: 'https://mail.example.com', access_token_ttl: 900 });
    // A scope name never holds a space: the first one starts the description.
    expect(resource.scopes.map((s: { name: string; description: string }) => [s.name, s.description])).toEqual([['mail:read', 'Read your mail'], ['mail:send', '']]);
    await fails(/reserved/, 'resources', 'create', '--name', 'Impostor', '--indicator', `${sesame.url}/api`);
    await fails(/fragment/, 'resources', 'create', '--name', 'Bad', '--indicator', 'https://x.example.com/#frag');

    const added = await json('resources', 'scopes', 'add', '--id', resource.id, '--name', 'mail.delete', '--description', 'Delete mail');
    expect(added).toMatchObject({ name: 'mail.delete', description: 'Delete mail' });
    await fails(/is already a scope of this API resource/, 'resources', 'scopes', 'add', '--id', resource.id, '--name', 'mail.delete');

    const human = await sesameCli('resources', 'show', '--id', resource.id);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/indicator: https:\/\/mail\.example\.com/);
    expect(human.stdout).toMatch(/mail\.delete/);
    const listed = await json('resources', 'list', '--search', 'mail');
    expect(listed.resources.map((r: { id: string }) => r.id)).toEqual([resource.id]);

    const role = await json('roles', 'create', '--name', 'Mailer', '--description', 'Sends mail', '--scope-id', added.id);
    expect(role.scopes).toEqual([{ id: added.id, resource: 'https://mail.example.com', name: 'mail.delete' }]);
    await fails(/--name: Role name is already taken/, 'roles', 'create', '--name', 'mailer');
    const withMore = await json('roles', 'scopes', 'add', '--id', 'Mailer', '--scope-id', resource.scopes[0].id);
    expect(withMore.scopes).toHaveLength(2);
    expect(await json('roles', 'scopes', 'remove', '--id', role.id, '--scope-id', added.id)).toMatchObject({ removed: added.id });
    await fails(/no API resource scope/, 'roles', 'scopes', 'add', '--id', role.id, '--scope-id', 'scp_nope');

    const user = await sesame.createUser();
    expect(await json('roles', 'assign', '--user', user.id, '--role', 'mailer')).toMatchObject({ role: role.id, name: 'Mailer' });
    expect((await json('roles', 'list', '--search', 'Mailer')).roles[0]).toMatchObject({ name: 'Mailer', user_count: 1 });
    expect(await json('roles', 'unassign', '--user', user.id, '--role', role.id)).toMatchObject({ role: role.id });
    await fails(/does not hold/, 'roles', 'unassign', '--user', user.id, '--role', role.id);
    await fails(/no role/, 'roles', 'assign', '--user', user.id, '--role', 'Nonexistent');
    await fails(/--user is required/, 'roles', 'assign', '--role', role.id);

    expect(await json('resources', 'scopes', 'remove', '--id', resource.id, '--name', 'mail.delete')).toMatchObject({ removed: added.id });
    expect(await json('roles', 'delete', '--id', 'Mailer')).toEqual({ deleted: role.id });
    expect(await json('resources', 'delete', '--id', resource.id)).toEqual({ deleted: resource.id });
    await fails(/no API resource/, 'resources', 'show', '--id', resource.id);
  });
});

describe('apps', () => {
  it('sets and shows a third-party app\'s permissions and branding', async () => {
    const resource = await json('resources', 'create', '--name', 'Files', '--indicator', 'https://files.example.com', '--scope', 'files.read');
    const partner = await sesame.createApp({ name: 'Partner', type: 'spa', third_party: true, redirect_uris: ['https://partner.example.com/cb'] });
    const ours = await sesame.createApp({ name: 'Ours', type: 'spa', redirect_uris: ['https://ours.example.com/cb'] });

    const set = await json('apps', 'permissions', 'set', '--id', partner.clientId, '--user-scope', 'profile', '--user-scope', 'email',
      '--resource-scope', 'https://files.example.com#files.read');
    expect(set).toEqual({
      user_scopes: ['email', 'profile'], resource_scopes: [{ id: resource.scopes[0].id, resource: 'https://files.example.com', scope: 'files.read' }],
      always_allowed: ['openid', 'offline_access'],
    });
    const shown = await sesameCli('apps', 'permissions', 'show', '--id', partner.clientId);
    expect(shown.stdout).toMatch(/user data scopes: email profile/);
    expect(shown.stdout).toMatch(/https:\/\/files\.example\.com files\.read/);
    await fails(/Management API/, 'apps', 'permissions', 'set', '--id', partner.clientId, '--resource-scope', `${sesame.url}/api#management`);
    await fails(/INDICATOR#SCOPE/, 'apps', 'permissions', 'set', '--id', partner.clientId, '--resource-scope', 'https://files.example.com');
    await fails(/only third-party apps/, 'apps', 'permissions', 'show', '--id', ours.clientId);

    const branding = await json('apps', 'branding', 'set', '--id', partner.clientId, '--display-name', 'Partner Files',
      '--logo-url', 'https://partner.example.com/logo.png', '--privacy-url', 'https://partner.example.com/privacy');
    expect(branding).toEqual({
      display_name: 'Partner Files', logo_url: 'https://partner.example.com/logo.png', logo_dark_url: null, terms_url: null,
      privacy_url: 'https://partner.example.com/privacy',
    });
    expect(await json('apps', 'branding', 'set', '--id', partner.clientId, '--logo-url', '')).toMatchObject({ logo_url: null, display_name: 'Partner Files' });
    await fails(/https/, 'apps', 'branding', 'set', '--id', partner.clientId, '--terms-url', 'http://partner.example.com/terms');
    await fails(/https/, 'apps', 'branding', 'set', '--id', partner.clientId, '--terms-url', 'javascript:alert(1)');
    await fails(/only third-party apps/, 'apps', 'branding', 'show', '--id', ours.clientId);
    expect((await sesameCli('apps', 'branding', 'show', '--id', partner.clientId)).stdout).toMatch(/display_name: Partner Files/);
  });
});

describe('grants and audit', () => {
  it('lists and revokes a user\'s grant, and shows it on the audit trail', async () => {
    const user = await sesame.createUser();
    const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
    const rp = await relyingParty(sesame, app, 'https://web.example.com/cb');
    const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login: user.username, password: user.password }, { scope: 'openid offline_access' });

    const grants = await json('users', 'grants', 'list', '--id', user.id);
    expect(grants).toEqual([expect.objectContaining({ clientId: app.clientId, applicationName: 'Web', thirdParty: false })]);
    expect((await sesameCli('users', 'grants', 'list', '--id', user.id)).stdout).toMatch(new RegExp(app.clientId));

    expect(await json('users', 'grants', 'revoke', '--id', user.id, '--client-id', app.clientId)).toEqual({ user: user.id, revoked: app.clientId });
    await expectOAuthError(client.refreshTokenGrant(rp.config, tokens.refresh_token!), 'invalid_grant');
    await fails(/no grant/, 'users', 'grants', 'revoke', '--id', user.id, '--client-id', app.clientId);
    expect((await sesameCli('users', 'grants', 'list', '--id', user.id)).stdout).toMatch(/no grants/);

    const audit = await json('audit', 'list', '--user-id', user.id, '--type', 'consent.revoked');
    expect(audit.total).toBe(1);
    expect(audit.events[0]).toMatchObject({ type: 'consent.revoked', client_id: app.clientId, details: { by: 'admin' } });
    expect((await sesameCli('audit', 'list', '--user-id', user.id)).stdout).toMatch(/sign_in\.succeeded/);
    await fails(/--type must be one of/, 'audit', 'list', '--type', 'nonsense');
  });
});

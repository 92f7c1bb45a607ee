import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { clientCredentials } from './support/management.ts';
import { cliWith } from './support/cli.ts';

/** The CLI's app, secret and user commands, run as an operator runs them while the server is up. */

let sesame: TestSesame;

beforeAll(async () => {
  sesame = await startTestSesame();
});
afterAll(async () => sesame?.stop());

// In this process, through the binary's entry function (test/support/cli.ts); on the embedded database it reaches the
// server through its Unix socket.
const { run: sesameCli, json } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

describe('apps', () => {
  it('creates, lists, shows, updates and deletes apps; grants management access', async () => {
    const m2m = await json('apps', 'create', '--name', 'CLI robot', '--type', 'm2m', '--management-access');
    expect(m2m).toMatchObject({ type: 'm2m', management_access: true, client_secret: expect.any(String) });
    const partner = await json('apps', 'create', '--name', 'CLI partner', '--type', 'spa', '--third-party', '--redirect-uri', 'https://partner.example.com/cb');
    expect(partner).toMatchObject({ third_party: true, redirect_uris: ['https://partner.example.com/cb'] });

    const listed = await json('apps', 'list', '--third-party', '--search', 'cli');
    expect(listed.applications.map((a: { name: string }) => a.name)).toEqual(['CLI partner']);
    const human = await sesameCli('apps', 'list', '--search', 'CLI');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/CLI robot/);
    expect(human.stdout).toMatch(/\(2 of 2\)/);

    expect(await json('apps', 'show', '--id', partner.client_id)).toMatchObject({ name: 'CLI partner', type: 'spa' });
    const updated = await json('apps', 'update', '--id', partner.client_id, '--name', 'CLI partner 2', '--redirect-uri', 'https://partner.example.com/new', '--refresh-token-ttl-days', '7');
    expect(updated).toMatchObject({ name: 'CLI partner 2', redirect_uris: ['https://partner.example.com/new'], refresh_token_ttl_days: 7 });

    const refused = await sesameCli('apps', 'update', '--id', partner.client_id, '--management-access', 'true');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/third-party app cannot be granted Management API access/);
    const badUri = await sesameCli('apps', 'update', '--id', partner.client_id, '--redirect-uri', 'javascript:alert(1)');
    expect(badUri.code).toBe(1);
    expect(badUri.stderr).toMatch(/javascript/);

    // The app granted management access by the CLI obtains a Management API token.
    const token = await clientCredentials(sesame, { clientId: m2m.client_id, clientSecret: m2m.client_secret }, { resource: `${sesame.url}/api`, scope: 'management' });
    expect((await token.json() as { scope: string }).scope).toBe('management');
    expect((await json('apps', 'update', '--id', m2m.client_id, '--management-access', 'false')).management_access).toBe(false);

    expect(await json('apps', 'delete', '--id', partner.client_id)).toEqual({ deleted: partner.client_id });
    const gone = await sesameCli('apps', 'show', '--id', partner.client_id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no application/);
  });

  it('creates, lists and deletes secrets, showing a value only once', async () => {
    const app = await json('apps', 'create', '--name', 'CLI secrets', '--type', 'traditional', '--redirect-uri', 'https://app.example.com/cb');
    const created = await sesameCli('apps', 'secrets', 'create', '--id', app.client_id, '--name', 'Rotation', '--expires-at', '2099-01-01T00:00:00Z');
    expect(created.code).toBe(0);
    const value = /client_secret: (\S+)/.exec(created.stdout)?.[1];
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.stdout).toMatch(/expires 2099-01-01T00:00:00.000Z/);

    const listed = await json<{ id: string; name: string; last_chars: string }[]>('apps', 'secrets', 'list', '--id', app.client_id);
    expect(listed.map((s) => s.name)).toEqual(['Rotation', 'Default']);
    expect(JSON.stringify(listed)).not.toContain(value);
    expect(JSON.stringify(listed)).not.toContain(app.client_secret);
    expect(listed[0]!.last_chars).toBe(value!.slice(-4));
    const human = await sesameCli('apps', 'secrets', 'list', '--id', app.client_id);
    expect(human.stdout).not.toContain(value);

    expect(await json('apps', 'secrets', 'delete', '--id', app.client_id, '--secret-id', listed[0]!.id)).toEqual({ deleted: listed[0]!.id });
    expect((await json<unknown[]>('apps', 'secrets', 'list', '--id', app.client_id))).toHaveLength(1);
    const bad = await sesameCli('apps', 'secrets', 'create', '--id', app.client_id, '--name', 'x', '--expires-at', 'soon');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--expires-at/);
  });
});

describe('users', () => {
  it('lists, shows, updates, suspends, sets passwords and deletes users', async () => {
    const user = await json('users', 'create', '--username', 'cliuser', '--password', 'a long passphrase', '--email', 'cli@example.com');
    await json('users', 'create', '--username', 'cliadmin', '--password', 'a long passphrase', '--admin');
    expect(JSON.stringify(user)).not.toMatch(/password/);

    const listed = await json('users', 'list', '--search', 'cli');
    expect(listed.total).toBe(2);
    expect(JSON.stringify(listed)).not.toMatch(/password_hash|argon2/);
    expect((await json('users', 'list', '--admin')).users.map((u: { username: string }) => u.username)).toEqual(['cliadmin']);

    expect(await json('users', 'show', '--id', user.id)).toMatchObject({ username: 'cliuser', email: 'cli@example.com' });
    expect(await json('users', 'update', '--id', user.id, '--given-name', 'Cli', '--family-name', 'User', '--locale', 'fr-FR'))
      .toMatchObject({ given_name: 'Cli', family_name: 'User', locale: 'fr-FR' });

    expect((await json('users', 'suspend', '--id', user.id)).suspended).toBe(true);
    expect((await json('users', 'list', '--suspended')).users.map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect((await json('users', 'unsuspend', '--id', user.id)).suspended).toBe(false);

    const weak = await sesameCli('users', 'set-password', '--id', user.id, '--password', 'short');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/at least 8/);
    const set = await sesameCli('users', 'set-password', '--id', user.id, '--password', 'another long passphrase');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/password set/);

    expect(await json('users', 'delete', '--id', user.id)).toEqual({ deleted: user.id });
    const gone = await sesameCli('users', 'show', '--id', user.id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no user/);
  });
});

import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplication } from '../src/apps/app.service.ts';
import { runCommand, type CommandContext } from '../src/cli/commands.ts';
import { describeError } from '../src/cli/describe-error.ts';
import { loadConfig } from '../src/config/config.ts';
import { catalogs } from '../src/i18n/messages.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { startSesame, type Sesame } from '../src/server.ts';
import { hashPassword } from '../src/users/password.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Usernames and emails are compared in one canonical form (RFC 8265 UsernameCaseMapped: width-mapped, NFKC,
 * case-folded), and invisible, bidi and control characters are refused, so no lookalike of an account can be created.
 */

const password = 'a long passphrase';
const alertOf = (page: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1]
  ?.replace(/&#(x?)([0-9a-f]+);/gi, (_m, hex: string, code: string) => String.fromCodePoint(parseInt(code, hex ? 16 : 10))).replaceAll('&amp;', '&');

/** Lookalikes of `bob` that canonicalise to `bob`: taken. */
const sameAsBob = ['ｂｏｂ', 'Bob', 'BOB', 'ＢＯＢ', 'Ｂob'];
/** Lookalikes of `bob` with characters a person cannot see or that reorder the text: refused. */
const invisibleBob = ['bob\u200b', 'b\u202eob', 'bob\u00ad', 'bo\u200db', 'bo\ufeffb', 'bob\u2066', 'bob\u200e', 'b\u0007ob'];

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let rp: RelyingParty;
let bob: { id: string; username: string; password: string };

beforeAll(async () => {
  sesame = await startTestSesame();
  api = apiClient(sesame, await managementToken(sesame));
  bob = await sesame.createUser({ username: 'bob', email: 'bob@example.com', password });
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://web.example.com/cb');
});
afterAll(async () => sesame?.stop());

let counter = 0;
const fresh = () => `someone${++counter}`;

describe('Management API', () => {
  it('answers user.exists for a username or email that canonicalises to a taken one', async () => {
    for (const username of sameAsBob) {
      expectProblem(await api('POST', '/api/users', { username, password, email: `${fresh()}@example.com` }), 409, 'user.exists');
    }
    expectProblem(await api('POST', '/api/users', { username: fresh(), password, email: 'BOB@EXAMPLE.COM' }), 409, 'user.exists');
    const fullwidthEmail = await api('POST', '/api/users', { username: fresh(), password, email: 'ｂｏｂ@example.com' });
    expect([400, 409], JSON.stringify(fullwidthEmail.body)).toContain(fullwidthEmail.status);
    // A compatibility ligature is the letters it stands for.
    expect((await api('POST', '/api/users', { username: 'ff', password })).status).toBe(201);
    expectProblem(await api('POST', '/api/users', { username: 'ﬀ', password }), 409, 'user.exists');
    expect((await sesame.sesame.db.selectFrom('users').select('username').execute()).map((u) => u.username).sort()).toEqual(['bob', 'ff']);
  });

  it('refuses invisible, bidi and control characters in a username, naming /username', async () => {
    for (const username of invisibleBob) {
      const response = await api('POST', '/api/users', { username, password });
      expectProblem(response, 422, 'user.invalid_username');
      expect(response.body.errors).toEqual([{ pointer: '/username', detail: expect.any(String) }]);
    }
    expect(await sesame.sesame.db.selectFrom('users').select('username').where('username', 'like', 'b%').execute()).toEqual([{ username: 'bob' }]);
  });

  it('refuses a rename to a name or email that collides, and allows a change of letter case of one\'s own', async () => {
    const other = (await api('POST', '/api/users', { username: fresh(), password, email: `${fresh()}@example.com` })).body;
    for (const username of sameAsBob) expectProblem(await api('PATCH', `/api/users/${other.id}`, { username }), 409, 'user.exists');
    expectProblem(await api('PATCH', `/api/users/${other.id}`, { email: 'Bob@Example.COM' }), 409, 'user.exists');
    const refused = await api('PATCH', `/api/users/${other.id}`, { username: 'bob\u200b' });
    expectProblem(refused, 422, 'user.invalid_username');
    expect(refused.body.errors).toEqual([{ pointer: '/username', detail: expect.any(String) }]);
    const renamed = await api('PATCH', `/api/users/${bob.id}`, { username: 'Bob' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.username).toBe('Bob');
    expect((await api('PATCH', `/api/users/${bob.id}`, { username: 'bob' })).body.username).toBe('bob');
  });

  it('keeps legitimate names in any script, shown as typed, compared canonically', async () => {
    for (const [username, lookalike] of [['José', 'JOSÉ'], ['山田', '山田'], ['Алиса', 'АЛИСА'], ['Straße', 'STRAẞE']] as const) {
      const created = await api('POST', '/api/users', { username, password });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.username).toBe(username);
      expectProblem(await api('POST', '/api/users', { username: lookalike, password }), 409, 'user.exists');
    }
    // The same name typed with a combining accent is the same name, shown composed.
    expectProblem(await api('POST', '/api/users', { username: 'Jose\u0301', password }), 409, 'user.exists');
  });
});

describe('CLI', () => {
  const cli = async (name: Parameters<typeof runCommand>[1], options: Record<string, unknown>) => {
    const { db, sealer, config } = sesame.sesame;
    const ctx: CommandContext = { db, sealer, config };
    return runCommand(ctx, name, options).then(
      (result) => ({ ok: true as const, result: result as Record<string, unknown>, message: '' }),
      (error: unknown) => ({ ok: false as const, result: undefined, message: describeError(error).message, expected: describeError(error).expected }),
    );
  };

  it('users create refuses a lookalike with a readable line', async () => {
    for (const username of ['ｂｏｂ', 'ＢＯＢ']) {
      const run = await cli('users create', { username, password });
      expect(run).toMatchObject({ ok: false, expected: true, message: expect.stringMatching(/already exists/) });
    }
    for (const username of invisibleBob) {
      const run = await cli('users create', { username, password });
      expect(run).toMatchObject({ ok: false, expected: true, message: expect.stringMatching(/^--username: Username /) });
      expect(run.message).not.toMatch(/\n\s+at /);
    }
    expect((await cli('users create', { username: 'Алиса2', password })).ok).toBe(true);
  });

  it('users update refuses a rename to a lookalike', async () => {
    const created = await cli('users create', { username: fresh(), password });
    const id = created.result!.id as string;
    expect(await cli('users update', { id, username: 'ｂｏｂ' })).toMatchObject({ ok: false, message: expect.stringMatching(/already exists/) });
    expect(await cli('users update', { id, username: 'b\u202eob' })).toMatchObject({ ok: false, message: expect.stringMatching(/^--username: Username /) });
  });
});

describe('sign-up page', () => {
  beforeAll(async () => {
    expect((await api('PUT', '/api/sign-in-experience', { self_registration: true })).status).toBe(200);
  });
  afterAll(async () => {
    await api('PUT', '/api/sign-in-experience', { self_registration: false });
  });

  async function signUp(fields: Record<string, string>) {
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp);
    const { response, url } = await agent.follow(request.url.toString());
    expect(isSignInPage(await response.text())).toBe(true);
    const link = `${sesame.url}/interaction/${new URL(url).pathname.split('/')[2]}/sign-up`;
    const form = parseForm(await (await agent.request(link)).text(), link);
    const answer = await agent.request(form.action, { form: { ...form.fields, password, ...fields } });
    return { status: answer.status, alert: alertOf(await answer.text()) };
  }

  it('refuses lookalikes without saying which identifier is taken, and invisible characters in words', async () => {
    for (const username of sameAsBob) {
      expect(await signUp({ username, email: '' })).toEqual({ status: 409, alert: 'This username or email cannot be used. Choose another one, or sign in.' });
    }
    expect(await signUp({ username: fresh(), email: 'BOB@EXAMPLE.COM' })).toMatchObject({ status: 409 });
    for (const username of invisibleBob) {
      const answer = await signUp({ username, email: '' });
      expect(answer.status).toBe(400);
      expect(answer.alert).toMatch(/^Choose a username without spaces, @, symbols or invisible characters\.$/);
    }
    for (const locale of ['fr', 'ja', 'ko', 'ru'] as const) expect(await signUpIn(locale)).toBe(catalogs[locale]!['signUp.invalidUsername']);
  });

  async function signUpIn(locale: string) {
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp, { ui_locales: locale });
    const { url } = await agent.follow(request.url.toString());
    const link = `${sesame.url}/interaction/${new URL(url).pathname.split('/')[2]}/sign-up`;
    const form = parseForm(await (await agent.request(link)).text(), link);
    const answer = await agent.request(form.action, { form: { ...form.fields, password, username: 'b\u202eob' } });
    expect(answer.status).toBe(400);
    return alertOf(await answer.text());
  }

  it('creates a legitimate non-ASCII account', async () => {
    expect(await signUp({ username: 'Алиса-signup', email: 'alisa@example.com' })).toMatchObject({ status: 303 });
  });
});

describe('sign-in', () => {
  it('finds bob when typed in another width or case, by username or email', async () => {
    for (const login of ['ＢＯＢ', 'ｂｏｂ', 'Bob', 'ｂｏｂ@ｅｘａｍｐｌｅ.ｃｏｍ', 'BOB@example.com']) {
      const { tokens } = await signIn(rp, new UserAgent(sesame.url), { login, password });
      expect(tokens.claims()?.sub, login).toBe(bob.id);
    }
  });
});

describe('migrating a database that already holds lookalikes', () => {
  let database: TestDatabase;
  let running: Sesame | undefined;
  const logs = captureLogs();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase(undefined, { fresh: true });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'warn', ...database.env });
    // The schema as it was before canonical identities, with the accounts the old rules let in.
    const { db } = await openDatabase(config);
    try {
      const before = Object.keys(migrations).filter((name) => name < '2026-11-30-0003-canonical-identities');
      const migrator = new Migrator({ db, provider: { getMigrations: async () => Object.fromEntries(before.map((name) => [name, migrations[name]!])) } });
      const result = await migrator.migrateToLatest();
      if (result.error) throw result.error;
      const hash = await hashPassword(password);
      const rows = [
        ['bob', 'bob@example.com'], ['ｂｏｂ', null], ['Ｂob', 'bob3@example.com'],
        ['carol', 'carol@example.com'], ['caroline', 'ｃａｒｏｌ@example.com'],
        ['dave\u200b', null],
      ] as const;
      for (const [index, [username, email]] of rows.entries()) {
        ids[username] = `u_legacy${index}`;
        await (db as Kysely<any>).insertInto('users').values({
          id: ids[username], username, email, password_hash: hash,
          created_at: new Date(Date.UTC(2026, 0, 1 + index)).toISOString(),
        }).execute();
      }
    } finally {
      await db.destroy();
    }
    running = await startSesame(config, logs.logger(config.logLevel));
  });
  afterAll(async () => {
    await running?.close();
    await database?.drop();
  });

  it('completes, logs each collision and records it in the audit trail', async () => {
    const log = logs.text();
    expect(log).toMatch(/user\.identifier_collision/);
    for (const username of ['ｂｏｂ', 'Ｂob', 'caroline']) expect(log).toContain(ids[username]);
    const cli = (options: Record<string, unknown>) => runCommand({ db: running!.db, sealer: running!.sealer, config: running!.config }, 'audit list', options) as Promise<{ events: { user_id: string; details: Record<string, unknown> }[] }>;
    const collisions = (await cli({ type: 'user.identifier_collision' })).events;
    expect(collisions.map((event) => [event.user_id, event.details.field, event.details.other_user_id]).sort()).toEqual([
      [ids['caroline'], 'email', ids['carol']],
      [ids['ｂｏｂ'], 'username', ids['bob']],
      [ids['Ｂob'], 'username', ids['bob']],
    ].sort());
    const refused = (await cli({ type: 'user.identifier_refused' })).events;
    expect(refused).toMatchObject([{ user_id: ids['dave\u200b'], details: { field: 'username' } }]);
  });

  it('leaves every account able to sign in', async () => {
    const { application, clientSecret } = await createApplication(running!.db, { name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
    const party = await relyingParty({ url: running!.issuer } as TestSesame, { clientId: application.id, clientSecret }, 'https://web.example.com/cb');
    for (const [login, owner] of [
      ['bob', 'bob'], ['ｂｏｂ', 'ｂｏｂ'], ['Ｂob', 'Ｂob'], ['Bob', 'bob'], ['ＢＯＢ', 'bob'],
      ['carol@example.com', 'carol'], ['caroline', 'caroline'], ['ｃａｒｏｌ@example.com', 'caroline'],
      ['dave\u200b', 'dave\u200b'],
    ] as const) {
      const { tokens } = await signIn(party, new UserAgent(running!.issuer), { login, password });
      expect(tokens.claims()?.sub, login).toBe(ids[owner]);
    }
  });

  it('lets no new collision in, even once the account that held the name is gone', async () => {
    const { createUser, deleteUser } = await import('../src/users/user.service.ts');
    await expect(createUser(running!.db, { username: 'Ｂｏｂ', password })).rejects.toMatchObject({ code: 'user.exists' });
    await expect(createUser(running!.db, { username: 'x1', email: 'CAROL@example.com', password })).rejects.toMatchObject({ code: 'user.exists' });
    await deleteUser(running!.db, ids['bob']!);
    await expect(createUser(running!.db, { username: 'bob', password })).rejects.toMatchObject({ code: 'user.exists' });
    // A lookalike account renamed to a name of its own is an ordinary account again.
    const { updateUserProfile } = await import('../src/users/user.service.ts');
    expect(await updateUserProfile(running!.db, ids['Ｂob']!, { username: 'robert' })).toMatchObject({ username: 'robert' });
    await expect(createUser(running!.db, { username: 'ROBERT', password })).rejects.toMatchObject({ code: 'user.exists' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './support/cli.ts';
import { LogoutReceiver } from './support/logout-receiver.ts';
import { apiClient, expectProblem, managementToken } from './support/management.ts';
import { relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/** An admin's view of a user's sessions (Management API, CLI): list them, end one or all; the logout queue. */

let sesame: TestSesame;
let api: ReturnType<typeof apiClient>;
let receiver: LogoutReceiver;
let notes: RelyingParty;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_LOGOUT_RETRY_SECONDS: '1' });
  api = apiClient(sesame, await managementToken(sesame));
  receiver = await new LogoutReceiver().start();
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: ['https://notes.example.com/cb'], backchannel_logout_uri: receiver.uri });
  notes = await relyingParty(sesame, app, 'https://notes.example.com/cb');
});
afterAll(async () => {
  await receiver?.stop();
  await sesame?.stop();
});

const { json, fails } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

async function twoBrowsers() {
  const user = await sesame.createUser();
  const credentials = { login: user.username, password: user.password };
  await signIn(notes, new UserAgent(sesame.url, { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' }), credentials);
  await signIn(notes, new UserAgent(sesame.url, { 'user-agent': 'curl/8.5.0' }), credentials);
  return user;
}

describe('Management API', () => {
  it('lists a user\'s sessions, ends one, then the rest; each app is told', async () => {
    const user = await twoBrowsers();
    const listed = await api('GET', `/api/users/${user.id}/sessions`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(2);
    const safari = listed.body.data.find((s: { device: { browser: string | null } }) => s.device.browser === 'Safari');
    expect(safari).toMatchObject({ device: { browser: 'Safari', os: 'macOS', kind: 'desktop' }, ip: '127.0.0.1', signed_in_at: expect.any(String) });

    expect((await api('DELETE', `/api/users/${user.id}/sessions/${encodeURIComponent(safari.id)}`)).status).toBe(204);
    expect((await api('GET', `/api/users/${user.id}/sessions`)).body.data).toHaveLength(1);
    expectProblem(await api('DELETE', `/api/users/${user.id}/sessions/${encodeURIComponent(safari.id)}`), 404, 'session.not_found');
    expect((await api('DELETE', `/api/users/${user.id}/sessions`)).body).toEqual({ ended: 1 });
    expect((await api('GET', `/api/users/${user.id}/sessions`)).body.data).toEqual([]);

    await expect.poll(async () => (await api('GET', `/api/logout-notifications?user_id=${user.id}&status=delivered`)).body.total).toBe(2);
    const queue = await api('GET', `/api/logout-notifications?user_id=${user.id}`);
    expect(queue.body.data[0]).toMatchObject({ client_id: notes.clientId, user_id: user.id, reason: 'ended_by_admin', status: 'delivered', attempts: 1, next_attempt_at: null });
  });

  it('answers 404 for a user that does not exist, and refuses a bad filter', async () => {
    expectProblem(await api('GET', '/api/users/u_nope/sessions'), 404, 'user.not_found');
    expectProblem(await api('DELETE', '/api/users/u_nope/sessions'), 404, 'user.not_found');
    expectProblem(await api('GET', '/api/logout-notifications?status=lost'), 400, 'request.invalid');
  });

  it('needs a management token', async () => {
    const user = await sesame.createUser();
    expect((await apiClient(sesame)('GET', `/api/users/${user.id}/sessions`)).status).toBe(401);
    expect((await apiClient(sesame)('DELETE', `/api/users/${user.id}/sessions`)).status).toBe(401);
  });
});

describe('CLI', () => {
  it('lists and ends a user\'s sessions, and lists the logout queue', async () => {
    const user = await twoBrowsers();
    const sessions = await json('users', 'sessions', 'list', '--id', user.id);
    expect(sessions).toHaveLength(2);
    expect(await json('users', 'sessions', 'end', '--id', user.id, '--session', sessions[0].id)).toEqual({ user: user.id, ended: 1 });
    expect(await json('users', 'sessions', 'end', '--id', user.id)).toEqual({ user: user.id, ended: 1 });
    expect(await json('users', 'sessions', 'list', '--id', user.id)).toEqual([]);
    const queue = await json('logout-notifications', 'list', '--user-id', user.id);
    expect(queue.total).toBe(2);
    await fails(/--status must be pending, delivered or failed/, 'logout-notifications', 'list', '--status', 'lost');
    await fails(/no such session of this account/, 'users', 'sessions', 'end', '--id', user.id, '--session', 'gone');
    // Session ids are base64url: one may start with a dash, and is still taken as the value of --session.
    await fails(/no such session of this account/, 'users', 'sessions', 'end', '--id', user.id, '--session', '-NMGgone');
    await fails(/no such session of this account/, 'users', 'sessions', 'end', '--id', user.id, '--session', '--gone');
    // A flag where the value should be is still the mistake it looks like.
    await fails(/argument is ambiguous|argument missing/, 'users', 'sessions', 'end', '--id', user.id, '--session', '--json');
  });
});

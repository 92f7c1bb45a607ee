import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame } from '../src/server.ts';
import { createApplication } from '../src/apps/app.service.ts';
import { createUser } from '../src/users/user.service.ts';
import { endAccountSessions } from '../src/sessions/session.service.ts';
import { retryDelay } from '../src/logout/retry-schedule.ts';
import { createTestDatabase } from './support/database.ts';
import { LogoutReceiver, verifyLogoutToken } from './support/logout-receiver.ts';
import { apiClient, managementToken } from './support/management.ts';
import { expectOAuthError, relyingParty, signIn, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';
import { freePort } from './support/free-port.ts';

/**
 * OpenID Connect Back-Channel Logout 1.0: an app in the test receives Sesame's logout tokens over HTTP and checks
 * them as the spec tells it to (§2.6), with jose against Sesame's JWKS.
 */

const event = 'http://schemas.openid.net/event/backchannel-logout';
const redirectUri = 'https://notes.example.com/cb';

let sesame: TestSesame;
let receiver: LogoutReceiver;
let notes: RelyingParty;
let plain: RelyingParty;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  sesame = await startTestSesame({ SESAME_LOGOUT_RETRY_SECONDS: '1' });
  receiver = await new LogoutReceiver().start();
  const notesApp = await sesame.createApp({
    name: 'Notes', type: 'traditional', redirect_uris: [redirectUri],
    backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true,
  });
  notes = await relyingParty(sesame, notesApp, redirectUri);
  const plainApp = await sesame.createApp({ name: 'Plain', type: 'traditional', redirect_uris: ['https://plain.example.com/cb'] });
  plain = await relyingParty(sesame, plainApp, 'https://plain.example.com/cb');
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => {
  await receiver?.stop();
  await sesame?.stop();
});
afterEach(() => { receiver.answers = []; });

async function signedInPerson() {
  const user = await sesame.createUser();
  const agent = new UserAgent(sesame.url);
  const { tokens } = await signIn(notes, agent, { login: user.username, password: user.password }, { scope: 'openid offline_access', prompt: 'consent' });
  await signIn(plain, agent, undefined);
  return { user, agent, tokens, sid: tokens.claims()!.sid as string };
}

/** Signs out of Sesame through the app, as a person does on the confirmation page. */
async function signOutThroughApp(agent: UserAgent, idToken: string) {
  const url = client.buildEndSessionUrl(notes.config, { id_token_hint: idToken });
  const page = await agent.request(url.toString());
  const form = parseForm(await page.text(), url.toString());
  const done = await agent.request(form.action, { form: { ...form.fields, logout: 'yes' } });
  expect(done.status).toBe(303);
}

/** Logout tokens received since `before` (an index into receiver.received). */
const accepted = async (count: number, before: number) => {
  await receiver.waitForAccepted(receiver.accepted().filter((r) => receiver.received.indexOf(r) < before).length + count);
  return receiver.received.slice(before);
};

describe('discovery and registration', () => {
  it('advertises back-channel logout with sessions', async () => {
    const metadata = notes.config.serverMetadata();
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.backchannel_logout_session_supported).toBe(true);
  });

  it('puts sid in ID tokens of an app that asks for sessions', async () => {
    const { sid } = await signedInPerson();
    expect(sid).toMatch(/^[\w-]{10,}$/);
  });
});

describe('signing out of Sesame through an app (RP-initiated logout)', () => {
  it('posts a logout token the app can verify: signature, iss, aud, iat, jti, sid, events, no nonce', async () => {
    const { user, agent, tokens, sid } = await signedInPerson();
    const before = receiver.received.length;
    await signOutThroughApp(agent, tokens.id_token!);
    const [delivery] = await accepted(1, before);
    expect(delivery!.contentType).toBe('application/x-www-form-urlencoded');
    const claims = await verifyLogoutToken(delivery!.token, sesame.url, notes.clientId);
    expect(claims).toMatchObject({ iss: sesame.url, aud: notes.clientId, sub: user.id, sid, events: { [event]: {} } });
    expect(claims.nonce).toBeUndefined();
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(300);
    expect(claims.jti).toMatch(/\S{16,}/);
    // The session is gone. Offline access (offline_access) is meant to outlive the browser session, as
    // oidc-provider ties it, until revoked (Connected apps, an admin, a new password): the app was told, and decides.
    const sessions = await sesame.sesame.db.selectFrom('oidc_models').select('id').where('model', '=', 'Session').where('account_id', '=', user.id).execute();
    expect(sessions).toEqual([]);
    expect((await client.refreshTokenGrant(notes.config, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('retries, with a fresh token each time, until the app accepts one (5xx first)', async () => {
    const { agent, tokens, sid } = await signedInPerson();
    receiver.answers = [500, 503];
    const before = receiver.received.length;
    await signOutThroughApp(agent, tokens.id_token!);
    const deliveries = await accepted(1, before);
    expect(deliveries.map((d) => d.answered)).toEqual([500, 503, 200]);
    const claims = await Promise.all(deliveries.map((d) => verifyLogoutToken(d.token, sesame.url, notes.clientId)));
    expect(new Set(claims.map((c) => c.jti)).size).toBe(3);
    expect(claims.every((c) => c.sid === sid)).toBe(true);
    // The app has answered; Sesame records the delivery right after. oidc-provider's own attempt while the person
    // waited, then the queue's two.
    const row = () => sesame.sesame.db.selectFrom('logout_notifications').selectAll().where('sid', '=', sid).executeTakeFirstOrThrow();
    await expect.poll(async () => (await row()).status).toBe('delivered');
    expect(await row()).toMatchObject({ status: 'delivered', reason: 'signed_out', attempts: 3 });
  });
});

describe('sessions Sesame ends itself', () => {
  it('suspension tells every app of every session of the person', async () => {
    const first = await signedInPerson();
    const second = new UserAgent(sesame.url);
    const again = await signIn(notes, second, { login: first.user.username, password: first.user.password });
    const before = receiver.received.length;
    expect((await api('POST', `/api/users/${first.user.id}/suspend`)).status).toBe(200);
    const deliveries = await accepted(2, before);
    const sids = await Promise.all(deliveries.map(async (d) => (await verifyLogoutToken(d.token, sesame.url, notes.clientId)).sid));
    expect(sids.sort()).toEqual([first.sid, again.tokens.claims()!.sid].sort());
    const ended = await sesame.sesame.db.selectFrom('audit_events').select('details')
      .where('type', '=', 'session.ended').where('user_id', '=', first.user.id).execute();
    expect(ended.map((e) => e.details)).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'suspended', by: 'admin', apps_notified: [notes.clientId] })]));
  });

  it('an admin setting a new password signs the person out of the apps and ends their refresh tokens', async () => {
    const { user, tokens, sid } = await signedInPerson();
    const before = receiver.received.length;
    expect((await api('PUT', `/api/users/${user.id}/password`, { password: 'a brand new passphrase' })).status).toBe(204);
    const [delivery] = await accepted(1, before);
    expect((await verifyLogoutToken(delivery!.token, sesame.url, notes.clientId)).sid).toBe(sid);
    await expectOAuthError(client.refreshTokenGrant(notes.config, tokens.refresh_token!), 'invalid_grant');
  });

  it('an app without a back-channel logout URI is not notified, and nothing is queued for it', async () => {
    const { user } = await signedInPerson();
    expect(await endAccountSessions(sesame.sesame.db, user.id, { reason: 'ended_by_user', by: 'user' })).toBe(1);
    const queued = await sesame.sesame.db.selectFrom('logout_notifications').select('client_id').where('account_id', '=', user.id).execute();
    expect(queued.map((q) => q.client_id)).toEqual([notes.clientId]);
  });
});

describe('giving up', () => {
  it('retries three times later each time, at most an hour apart, and gives up on a notification a day old', async () => {
    const now = Date.now();
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelay(n, new Date(now), 5, now))).toEqual([5, 15, 45, 135, 405, 1215, 3600, 3600]);
    expect(retryDelay(3, new Date(now - 24 * 3600 * 1000 + 30_000), 5, now)).toBeUndefined();
  });

  it('records logout.delivery_failed when an app never accepts', async () => {
    const { user, sid } = await signedInPerson();
    receiver.answers = Array(20).fill(500);
    await endAccountSessions(sesame.sesame.db, user.id, { reason: 'ended_by_user', by: 'user' });
    const failing = () => sesame.sesame.db.selectFrom('logout_notifications').selectAll().where('sid', '=', sid).executeTakeFirstOrThrow();
    await expect.poll(async () => (await failing()).attempts).toBeGreaterThanOrEqual(1);
    // As if it had been failing for a day: the next failure is the last.
    await sesame.sesame.db.updateTable('logout_notifications').set({ created_at: new Date(Date.now() - 24 * 3600 * 1000), next_attempt_at: new Date() })
      .where('sid', '=', sid).execute();
    await expect.poll(async () => (await failing()).status).toBe('failed');
    expect((await failing()).last_error).toMatch(/got: 500 Internal Server Error/);
    const audit = await sesame.sesame.db.selectFrom('audit_events').selectAll()
      .where('type', '=', 'logout.delivery_failed').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ client_id: notes.clientId, details: expect.objectContaining({ reason: 'ended_by_user' }) });
    receiver.answers = [];
  });
});


describe('durability', () => {
  it('a logout the app could not take while it was down is delivered after Sesame restarts', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', SESAME_LOG_LEVEL: 'silent', SESAME_LOGOUT_RETRY_SECONDS: '1', ...database.env });
    const app = await new LogoutReceiver().start();
    const appUri = app.uri;
    await app.stop();
    let running = await startSesame(config, createLogger('silent'));
    try {
      const { application } = await createApplication(running.db, {
        name: 'Down for maintenance', type: 'spa', redirect_uris: ['https://down.example.com/cb'], backchannel_logout_uri: appUri,
      });
      const user = await createUser(running.db, { username: 'restart-person', password: 'correct horse battery staple' });
      const rp = await relyingParty({ url: running.issuer } as TestSesame, { clientId: application.id }, 'https://down.example.com/cb');
      await signIn(rp, new UserAgent(running.issuer), { login: 'restart-person', password: 'correct horse battery staple' });
      await endAccountSessions(running.db, user.id, { reason: 'ended_by_user', by: 'user' });
      // The app is down: the first attempts fail (connection refused) and the notification waits, in the database.
      for (;;) {
        const row = await running.db.selectFrom('logout_notifications').selectAll().where('account_id', '=', user.id).executeTakeFirst();
        if (row && row.attempts >= 2 && row.status === 'pending' && row.last_error) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await running.close();
      await app.start();
      running = await startSesame(config, createLogger('silent'));
      const [delivery] = await app.waitForAccepted(1);
      const claims = await verifyLogoutToken(delivery!.token, running.issuer, application.id);
      expect(claims).toMatchObject({ sub: user.id, aud: application.id, events: { [event]: {} } });
      // This app did not ask for sessions: no sid.
      expect(claims.sid).toBeUndefined();
      const row = () => running.db.selectFrom('logout_notifications').selectAll().where('account_id', '=', user.id).executeTakeFirstOrThrow();
      await expect.poll(async () => (await row()).status).toBe('delivered');
      expect((await row()).attempts).toBeGreaterThanOrEqual(3);
    } finally {
      await running.close();
      await app.stop();
      await database.drop();
    }
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { touching, watchStatements } from './support/statements.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * oidc-provider saves the person's session on every authorization request to slide its expiry. An app renewing its
 * tokens silently does that every few minutes; the row is rewritten only when something in it changes, or when its
 * stored expiry trails by 1 % of the session's lifetime, an hour at most (src/oidc/session-refresh.ts). One server
 * runs with the default lifetime (14 days: an hour's lag), one with 200 seconds (2 seconds), so the test can wait.
 */
const shortSession = 200;
const shortLag = shortSession / 100;
let sesame: TestSesame;
let shortLived: TestSesame;

beforeAll(async () => {
  [sesame, shortLived] = await Promise.all([startTestSesame(), startTestSesame({ SESAME_SESSION_TTL: String(shortSession) })]);
});
afterAll(async () => {
  await Promise.all([sesame?.stop(), shortLived?.stop()]);
});

const app = async (server: TestSesame, type: 'traditional' | 'spa', redirect: string) =>
  relyingParty(server, await server.createApp({ name: type, type, redirect_uris: [redirect] }), redirect);

/** The person's session row: its row version (changes with every write), its expiry and the apps it signed in to. */
async function sessionRow(server: TestSesame, accountId: string) {
  const { rows } = await sql<{ version: string; expires_at: Date; payload: { exp: number; authorizations: Record<string, unknown> } }>`
    SELECT xmin::text AS version, expires_at, payload FROM oidc_models WHERE model = 'Session' AND account_id = ${accountId}`.execute(server.sesame.db);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** An authorization request the session answers (through the sign-in page when `credentials`), ending with tokens. */
async function authorize(rp: RelyingParty, agent: UserAgent, params: Record<string, string> = {}, credentials?: { login: string; password: string }) {
  const request = await authorizationRequest(rp, params);
  const callback = await agent.authorize(request.url.toString(), credentials);
  expect(callback.searchParams.get('error')).toBeNull();
  const tokens = await exchangeCode(rp, request, callback);
  expect(tokens.claims()?.sub).toBeTruthy();
}

/** A person signed in to `rp` through the page. */
async function signedIn(server: TestSesame, rp: RelyingParty) {
  const user = await server.createUser();
  const agent = new UserAgent(server.url);
  await authorize(rp, agent, {}, { login: user.username, password: user.password });
  return { user, agent };
}

describe('a session used again', () => {
  it('is not rewritten to move its expiry by moments; a change to what it holds is written at once', async () => {
    const web = await app(sesame, 'traditional', 'https://web.example.com/cb');
    const spa = await app(sesame, 'spa', 'https://spa.example.com/cb');
    const { user, agent } = await signedIn(sesame, web);
    const before = await sessionRow(sesame, user.id);

    await authorize(web, agent, { prompt: 'none' });
    await authorize(web, agent);
    expect(await sessionRow(sesame, user.id)).toEqual(before);

    await authorize(spa, agent, { prompt: 'none' });
    const withSpa = await sessionRow(sesame, user.id);
    expect(withSpa.version).not.toBe(before.version);
    expect(Object.keys(withSpa.payload.authorizations).sort()).toEqual([web.clientId, spa.clientId].sort());
  });

  it('is found in the node\'s cache: a renewal reads nothing from oidc_models and writes only its code', async () => {
    const web = await app(sesame, 'traditional', 'https://web.example.com/cb');
    const { agent } = await signedIn(sesame, web);
    await authorize(web, agent, { prompt: 'none' });
    const statements = watchStatements();
    try {
      const request = await authorizationRequest(web, { prompt: 'none' });
      const callback = await agent.authorize(request.url.toString());
      expect(callback.searchParams.has('code')).toBe(true);
      const artifacts = touching(statements.texts, 'oidc_models');
      expect(artifacts).toHaveLength(1);
      expect(artifacts[0]).toMatch(/^INSERT INTO oidc_models/);
    } finally {
      statements.stop();
    }
  });

  it('slides its expiry again once the stored one trails by 1 % of its lifetime', async () => {
    const web = await app(shortLived, 'traditional', 'https://web.example.com/cb');
    const { user, agent } = await signedIn(shortLived, web);
    const before = await sessionRow(shortLived, user.id);
    await new Promise((resolve) => setTimeout(resolve, (shortLag + 1.5) * 1000));
    await authorize(web, agent, { prompt: 'none' });
    const slid = await sessionRow(shortLived, user.id);
    expect(slid.version).not.toBe(before.version);
    expect(slid.payload.exp).toBeGreaterThanOrEqual(before.payload.exp + shortLag);
    expect(slid.expires_at.getTime()).toBeGreaterThan(before.expires_at.getTime());
    expect(slid.payload.authorizations).toEqual(before.payload.authorizations);
  });
});

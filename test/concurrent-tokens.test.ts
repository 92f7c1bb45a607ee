import { sql } from 'kysely';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationRequest, exchangeCode, isActive, relyingParty, userinfoStatus, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Tokens issued at the same moment are stored together (src/oidc/artifact-writer.ts): each must still be handed
 * out stored and usable, and one that cannot be stored must fail its own request only.
 */
let sesame: TestSesame;
let robot: RelyingParty;
let web: RelyingParty;
let agent: UserAgent;
let userId: string;

const redirectUri = 'https://web.example.com/cb';

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser();
  userId = user.id;
  robot = await relyingParty(sesame, await sesame.createApp({ name: 'Robot', type: 'm2m' }), redirectUri);
  web = await relyingParty(sesame, await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirectUri] }), redirectUri);
  agent = new UserAgent(sesame.url);
  // Signed in once: the authorizations below go straight back with a code.
  const request = await authorizationRequest(web, { scope: 'openid offline_access' });
  await exchangeCode(web, request, await agent.authorize(request.url.toString(), { login: user.username, password: user.password }));
});
afterAll(async () => sesame?.stop());

/** `count` authorization codes of the signed-in user, each with the request it answers. */
async function codes(count: number) {
  const issued = [];
  for (let i = 0; i < count; i++) {
    const request = await authorizationRequest(web, { scope: 'openid offline_access' });
    issued.push({ request, callback: await agent.authorize(request.url.toString()) });
  }
  return issued;
}

describe('tokens requested at once', () => {
  it('are each stored: 50 client-credentials tokens introspect as active', async () => {
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.clientCredentialsGrant(robot.config)));
    const accessTokens = tokens.map((t) => t.access_token);
    expect(new Set(accessTokens).size).toBe(50);
    const active = await Promise.all(accessTokens.map((token) => isActive(robot, token)));
    expect(active.every(Boolean)).toBe(true);
  });

  it('are each stored: a burst of code exchanges, then of refreshes, gives tokens userinfo accepts', async () => {
    const issued = await codes(12);
    const exchanged = await Promise.all(issued.map(({ request, callback }) => exchangeCode(web, request, callback)));
    expect(exchanged.every((t) => t.refresh_token)).toBe(true);

    const refreshed = await Promise.all(exchanged.map((t) => client.refreshTokenGrant(web.config, t.refresh_token!)));
    expect(new Set(refreshed.map((t) => t.refresh_token)).size).toBe(12);
    const statuses = await Promise.all(refreshed.map((t) => userinfoStatus(web, t.access_token)));
    expect(statuses).toEqual(Array(12).fill(200));
    expect((await Promise.all(refreshed.map((t) => isActive(web, t.refresh_token!)))).every(Boolean)).toBe(true);
    // Rotation was stored too: the refresh tokens used are spent.
    expect((await Promise.all(exchanged.map((t) => isActive(web, t.refresh_token!)))).some(Boolean)).toBe(false);

    const again = await Promise.all(refreshed.map((t) => client.refreshTokenGrant(web.config, t.refresh_token!)));
    const infos = await Promise.all(again.map((t) => client.fetchUserInfo(web.config, t.access_token, userId)));
    expect(infos.map((info) => info.sub)).toEqual(Array(12).fill(userId));
  });

  it('fail alone when one cannot be stored', async () => {
    const doomed = await relyingParty(sesame, await sesame.createApp({ name: 'Doomed', type: 'm2m' }), redirectUri);
    // The database refuses this one app's tokens, as it would refuse a row for any reason of its own.
    const db = sesame.sesame.db;
    await sql`CREATE FUNCTION refuse_doomed_app() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused for the test'; END $$`.execute(db);
    await sql.raw(`CREATE TRIGGER refuse_doomed_app BEFORE INSERT OR UPDATE ON oidc_models FOR EACH ROW
      WHEN (NEW.client_id = '${doomed.clientId}') EXECUTE FUNCTION refuse_doomed_app()`).execute(db);
    try {
      const requests = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? doomed : robot))
        .map((rp) => client.clientCredentialsGrant(rp.config).then((t) => ({ rp, token: t.access_token }), (error: unknown) => ({ rp, error })));
      const answers = await Promise.all(requests);
      // openid-client hands a 5xx answer over as the error's cause.
      const refusals = answers.filter((a) => a.rp === doomed).map((a) => ('error' in a ? (a.error as Error).cause : a));
      expect(refusals).toHaveLength(10);
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(Response);
        expect((refusal as Response).status).toBe(500);
        expect(await (refusal as Response).json()).toMatchObject({ error: 'server_error' });
      }
      const issued = answers.filter((a) => a.rp === robot);
      expect(issued).toHaveLength(30);
      const active = await Promise.all(issued.map((a) => ('token' in a ? isActive(robot, a.token) : false)));
      expect(active.every(Boolean)).toBe(true);
    } finally {
      await sql`DROP TRIGGER refuse_doomed_app ON oidc_models`.execute(db);
      await sql`DROP FUNCTION refuse_doomed_app()`.execute(db);
    }
  });
});

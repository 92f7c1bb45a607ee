import * as client from 'openid-client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { giveRole } from './support/consent.ts';
import { authorizationRequest, exchangeCode, expectOAuthError, isActive, relyingParty, tokenRequest, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { touching, watchStatements } from './support/statements.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * A token request consumes its code or refresh token in the statement that stores the first token it issues
 * (src/oidc/artifact-writer.ts, src/oidc/adapter.ts): one round trip less per code exchange and refresh, and still
 * exactly one of several requests presenting the same code gets tokens.
 */
let sesame: TestSesame;
let web: RelyingParty;
let webSecret: string;
let agent: UserAgent;
const redirectUri = 'https://web.example.com/cb';
const api = { name: 'Notes API', indicator: 'https://notes.example.com/api', scopes: ['notes:read'] };

beforeAll(async () => {
  sesame = await startTestSesame();
  const user = await sesame.createUser();
  await giveRole(sesame, user.id, api, api.scopes);
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirectUri] });
  web = await relyingParty(sesame, app, redirectUri);
  webSecret = app.clientSecret!;
  agent = new UserAgent(sesame.url);
  const request = await authorizationRequest(web);
  await exchangeCode(web, request, await agent.authorize(request.url.toString(), { login: user.username, password: user.password }));
});
afterAll(async () => sesame?.stop());

async function issuedCode(params: Record<string, string> = { scope: 'openid offline_access' }) {
  const request = await authorizationRequest(web, params);
  return { request, callback: await agent.authorize(request.url.toString()) };
}

async function consumedAt(id: string): Promise<Date | null | undefined> {
  const { rows: [row] } = await sql<{ consumed_at: Date | null }>`SELECT consumed_at FROM oidc_models WHERE id = ${id}`.execute(sesame.sesame.db);
  return row?.consumed_at;
}

describe('a token request', () => {
  it('consumes the code in the statement that stores the access token: three statements for a code exchange with a refresh token', async () => {
    const { request, callback } = await issuedCode();
    const statements = watchStatements();
    try {
      const tokens = await exchangeCode(web, request, callback);
      expect(tokens.refresh_token).toBeTruthy();
      const artifacts = touching(statements.texts, 'oidc_models');
      expect(artifacts.filter((text) => /^UPDATE oidc_models SET consumed_at/.test(text))).toEqual([]);
      expect(artifacts, artifacts.join('\n')).toHaveLength(3);
      expect(artifacts.filter((text) => /^WITH consumed AS \( ?UPDATE oidc_models SET consumed_at/.test(text))).toHaveLength(1);
    } finally {
      statements.stop();
    }
    expect(await consumedAt(callback.searchParams.get('code')!)).toBeInstanceOf(Date);
  });

  it('consumes the refresh token it rotates with the new one: three statements, and the old one is spent', async () => {
    const { request, callback } = await issuedCode();
    const first = await exchangeCode(web, request, callback);
    const statements = watchStatements();
    let rotated;
    try {
      rotated = await client.refreshTokenGrant(web.config, first.refresh_token!);
      const artifacts = touching(statements.texts, 'oidc_models');
      expect(artifacts.filter((text) => /^UPDATE oidc_models SET consumed_at/.test(text))).toEqual([]);
      expect(artifacts).toHaveLength(3);
    } finally {
      statements.stop();
    }
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    await expectOAuthError(client.refreshTokenGrant(web.config, first.refresh_token!), 'invalid_grant');
    // A reused refresh token ends the grant: the rotated one is dead too.
    expect(await isActive(web, rotated.refresh_token!)).toBe(false);
  });

  it('of five presenting one code at once, gives tokens to one; the others get invalid_grant, and the grant ends', async () => {
    const { request, callback } = await issuedCode();
    const params = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: request.verifier! };
    const answers = await Promise.all(Array.from({ length: 5 }, () => tokenRequest(web, webSecret, params)));
    const bodies = await Promise.all(answers.map((answer) => answer.json() as Promise<{ access_token?: string; error?: string }>));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400, 400]);
    expect(bodies.filter((body) => body.error).map((body) => body.error)).toEqual(Array(4).fill('invalid_grant'));
    const winner = bodies.find((body) => body.access_token)!;
    expect(await isActive(web, winner.access_token!)).toBe(false);
  });

  it('that fails after consuming its code still spends it', async () => {
    const { request, callback } = await issuedCode({ scope: 'openid' });
    const code = callback.searchParams.get('code')!;
    // A resource the code was not issued for fails the exchange once the code is consumed (oidc-provider's order).
    const answer = await tokenRequest(web, webSecret, {
      grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: request.verifier!, resource: 'https://api.unknown.example',
    });
    expect(answer.status).toBe(400);
    expect(await consumedAt(code)).toBeInstanceOf(Date);
    const again = await tokenRequest(web, webSecret, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: request.verifier! });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('that stores nothing after its code (an API\'s JWT access token, no refresh token) consumes it before it answers', async () => {
    const exchange = async () => {
      const { request, callback } = await issuedCode({ scope: 'openid notes:read', resource: api.indicator });
      const code = callback.searchParams.get('code')!;
      const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: request.verifier!, resource: api.indicator };
      return { code, send: () => tokenRequest(web, webSecret, params) };
    };
    const once = await exchange();
    const answer = await once.send();
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { access_token: string }).access_token.split('.')).toHaveLength(3);
    expect(await consumedAt(once.code)).toBeInstanceOf(Date);
    expect(((await (await once.send()).json()) as { error: string }).error).toBe('invalid_grant');

    const raced = await exchange();
    const answers = await Promise.all(Array.from({ length: 5 }, () => raced.send()));
    const bodies = await Promise.all(answers.map((a) => a.json() as Promise<{ error?: string }>));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400, 400]);
    expect(bodies.filter((body) => body.error).map((body) => body.error)).toEqual(Array(4).fill('invalid_grant'));
  });
});

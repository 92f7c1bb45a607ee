import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUntilConsent, decide } from './support/consent.ts';
import { MetadataHost } from './support/metadata-host.ts';
import { setRegistrationPolicy } from './support/registration.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { captureLogs, startTestSesame, type TestSesame } from './support/sesame.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): an app names itself by the https
 * URL of a JSON document, served here by a site on this machine (test/support/metadata-host.ts), which only
 * SESAME_ALLOW_LOOPBACK_METADATA lets Sesame reach. openid-client is the app; the person answers the real pages.
 */

const callback = 'https://agent.example.com/callback';

let host: MetadataHost;
let sesame: TestSesame;
let logs: ReturnType<typeof captureLogs>;
let credentials: { login: string; password: string };

beforeAll(async () => {
  logs = captureLogs();
  [host, sesame] = await Promise.all([
    new MetadataHost().start(),
    startTestSesame({ SESAME_ALLOW_LOOPBACK_METADATA: 'true', SESAME_LOG_LEVEL: 'info' }, { logger: logs.logger }),
  ]);
  await setRegistrationPolicy(sesame, { cimd: 'open' });
  const user = await sesame.createUser();
  credentials = { login: user.username, password: user.password };
});
afterAll(async () => {
  await sesame?.stop();
  await host?.stop();
});

/** An app that is its document's URL, as openid-client sees it (a public client). */
const agentApp = (clientId: string): Promise<RelyingParty> => relyingParty(sesame, { clientId }, callback);

/** The page the person sees when Sesame refuses the app, and what oidc-provider logged about it. */
async function refusedAuthorization(clientId: string, target: TestSesame = sesame) {
  const rp = await relyingParty(target, { clientId }, callback);
  const request = await authorizationRequest(rp);
  const response = await new UserAgent(target.url).request(request.url.toString());
  return { status: response.status, location: response.headers.get('location'), page: await response.text() };
}

let documents = 0;
/** A fresh document path, so that oidc-provider's per-process cache of an earlier test never answers. */
const freshPath = () => `/clients/${++documents}/metadata.json`;

describe('client ID metadata documents', () => {
  it('are advertised in discovery', async () => {
    const discovery = await (await fetch(`${sesame.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    expect(discovery.client_id_metadata_document_supported).toBe(true);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('sign a person in to an app that named itself by its document: consent, code, PKCE, tokens', async () => {
    const path = freshPath();
    const clientId = host.document(path, { client_name: 'Agent One', redirect_uris: [callback], grant_types: ['authorization_code', 'refresh_token'] }, { 'cache-control': 'max-age=300' });
    const rp = await agentApp(clientId);
    const agent = new UserAgent(sesame.url);
    const request = await authorizationRequest(rp, { scope: 'openid offline_access' });
    const step = await authorizeUntilConsent(agent, request.url.toString(), credentials);
    if (!('consent' in step)) throw new Error(`expected the consent screen, got ${JSON.stringify(step)}`);
    expect(step.consent.page).toContain('Agent One wants to access your account');
    expect(step.consent.page).toMatch(/<strong>agent\.example\.com<\/strong>/);
    expect(step.consent.page).toContain('no administrator has verified who publishes it');
    const tokens = await exchangeCode(rp, request, await decide(agent, step.consent, ['offline_access']));
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.claims()?.aud).toBe(clientId);
    expect(tokens.refresh_token).toBeTruthy();
    // Authorization, consent and the token request all knew the client from one fetch: the document said max-age=300.
    expect(host.requests.filter((requested) => requested === path)).toHaveLength(1);

    // The app is Sesame's own record from now on: a third-party app made by its document.
    const app = await sesame.sesame.db.selectFrom('applications').selectAll().where('id', '=', clientId).executeTakeFirstOrThrow();
    expect(app).toMatchObject({ name: 'Agent One', third_party: true, management_access: false, origin: 'cimd', status: 'approved', redirect_uris: [callback] });
  });

  it('require PKCE S256 of the public client a document describes', async () => {
    const rp = await agentApp(host.document(freshPath(), { redirect_uris: [callback] }));
    const request = await authorizationRequest(rp, {}, { pkce: false });
    const { location } = await new UserAgent(sesame.url).follow(request.url.toString()).then(({ url }) => ({ location: url }));
    expect(new URL(location).searchParams.get('error')).toBe('invalid_request');
    expect(new URL(location).searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('are refused when they name another client_id', async () => {
    const path = freshPath();
    host.serve(path, { body: JSON.stringify({ client_id: 'https://other.example.com/metadata.json', token_endpoint_auth_method: 'none', redirect_uris: [callback] }) });
    const refused = await refusedAuthorization(`${host.origin}${path}`);
    expect(refused.status).toBe(400);
    expect(refused.location).toBeNull();
    expect(logs.text()).toContain('client_id metadata document client_id does not match the expected value');
  });

  it('are refused when they describe a client that authenticates with a secret or a key', async () => {
    for (const [fields, logged] of [
      [{ token_endpoint_auth_method: 'client_secret_basic' }, 'must not use shared-secret token endpoint authentication methods'],
      [{ token_endpoint_auth_method: 'client_secret_post' }, 'must not use shared-secret token endpoint authentication methods'],
      [{ client_secret: 'known-to-everyone' }, 'must not contain client_secret'],
      [{ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } }, 'token_endpoint_auth_method'],
    ] as const) {
      const refused = await refusedAuthorization(host.document(freshPath(), { redirect_uris: [callback], ...fields }));
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(refused.location).toBeNull();
      expect(logs.text()).toContain(logged);
    }
  });

  it('are refused when they set what only an admin sets, or redirect where no app of Sesame may', async () => {
    for (const [fields, logged] of [
      [{ 'sesame/management_access': true }, 'sesame/management_access is a setting of Sesame'],
      [{ 'sesame/third_party': false }, 'sesame/third_party is a setting of Sesame'],
      [{ redirect_uris: ['http://agent.example.com/callback'] }, 'must use https; http is allowed only for localhost'],
      [{ redirect_uris: ['https://agent.example.com/a/../callback'] }, 'must not contain dot-segments'],
      [{ redirect_uris: [] }, 'redirect_uris must contain members'],
    ] as const) {
      const clientId = host.document(freshPath(), { redirect_uris: [callback], ...fields });
      const refused = await refusedAuthorization(clientId);
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(logs.text()).toContain(logged);
      const made = await sesame.sesame.db.selectFrom('applications').select('id').where('id', '=', clientId).execute();
      expect(made, 'a refused document makes no app').toEqual([]);
    }
  });

  it('are refused when too large, too slow, not JSON, or moved elsewhere', async () => {
    const big = freshPath();
    host.serve(big, { body: JSON.stringify({ client_id: `${host.origin}${big}`, token_endpoint_auth_method: 'none', redirect_uris: [callback], padding: 'x'.repeat(6000) }) });
    const slow = freshPath();
    host.serve(slow, { hang: true });
    const html = freshPath();
    host.serve(html, { headers: { 'content-type': 'text/html' }, body: JSON.stringify({ client_id: `${host.origin}${html}`, token_endpoint_auth_method: 'none', redirect_uris: [callback] }) });
    const moved = freshPath();
    host.serve(moved, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    for (const path of [big, slow, html, moved]) {
      const refused = await refusedAuthorization(`${host.origin}${path}`);
      expect(refused.status, path).toBe(400);
      expect(refused.location, path).toBeNull();
    }
    // Only the document's own URL was asked for: the redirect was never followed.
    expect(host.requests).toContain(moved);
  });
});

describe('client ID metadata documents on loopback without the setting', () => {
  let strict: TestSesame;
  beforeAll(async () => {
    strict = await startTestSesame();
    await setRegistrationPolicy(strict, { cimd: 'open' });
  });
  afterAll(async () => strict?.stop());

  it('are never fetched: the same document is refused', async () => {
    const path = freshPath();
    const clientId = host.document(path, { client_name: 'Agent Local', redirect_uris: [callback] });
    const before = host.requests.length;
    const refused = await refusedAuthorization(clientId, strict);
    expect(refused.status).toBe(400);
    expect(refused.location).toBeNull();
    expect(host.requests.slice(before), 'Sesame never connected').toEqual([]);
    // And with the address written as an IP, in any form.
    for (const written of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1']) {
      const url = `https://${written}:${new URL(host.origin).port}${path}`;
      expect((await refusedAuthorization(url, strict)).status, written).toBe(400);
    }
    expect(host.requests.slice(before)).toEqual([]);
  });
});

describe('client ID metadata documents and the admin\'s policy', () => {
  it('are refused with a clear error while the policy is off', async () => {
    await setRegistrationPolicy(sesame, { cimd: 'off' });
    try {
      const before = host.requests.length;
      const refused = await refusedAuthorization(host.document(freshPath(), { redirect_uris: [callback] }));
      expect(refused.status).toBe(400);
      expect(host.requests.slice(before), 'nothing is fetched while the policy is off').toEqual([]);
      expect(logs.text()).toContain('client ID metadata documents are turned off');
    } finally {
      await setRegistrationPolicy(sesame, { cimd: 'open' });
    }
  });

  it('are held for an admin\'s approval in approval mode: the person sees the waiting page, the app gets nothing', async () => {
    await setRegistrationPolicy(sesame, { cimd: 'approval' });
    try {
      const clientId = host.document(freshPath(), { client_name: 'Agent Waiting', redirect_uris: [callback] });
      const rp = await agentApp(clientId);
      const request = await authorizationRequest(rp);
      const response = await new UserAgent(sesame.url).request(request.url.toString());
      expect(response.status).toBe(403);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('Agent Waiting');
      const app = await sesame.sesame.db.selectFrom('applications').selectAll().where('id', '=', clientId).executeTakeFirstOrThrow();
      expect(app).toMatchObject({ origin: 'cimd', status: 'pending', third_party: true });
      // No token anywhere while it waits.
      const token = await fetch(`${sesame.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: clientId, redirect_uri: callback, code_verifier: client.randomPKCECodeVerifier() }),
      });
      expect(await token.json()).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/waits for an administrator/) });
      expect([400, 401]).toContain(token.status);
    } finally {
      await setRegistrationPolicy(sesame, { cimd: 'open' });
    }
  });

  it('are refused when the document\'s host is not on the allowlist', async () => {
    await setRegistrationPolicy(sesame, { cimd: 'open', allowed_domains: ['agents.example.com'] });
    try {
      const before = host.requests.length;
      expect((await refusedAuthorization(host.document(freshPath(), { redirect_uris: [callback] }))).status).toBe(400);
      expect(host.requests.slice(before)).toEqual([]);
    } finally {
      await setRegistrationPolicy(sesame, { cimd: 'open', allowed_domains: [] });
    }
  });
});

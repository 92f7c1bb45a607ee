import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loopbackListener, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow } from './support/consent.ts';
import { signWithSesameKey } from './support/management.ts';
import { AgentAuth, agentConnection, whoami } from './support/mcp-client.ts';
import { mcpScope, personWithMcpAccess, startMcpServer, type TestMcpServer } from './support/mcp-server.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The official MCP TypeScript SDK as the client, an MCP server protected by Sesame, and a person in chromium:
 * the agent an admin created beforehand (a third-party native app) connects, is sent to Sesame, the person signs
 * in and consents, and the agent calls a tool with a token bound to the MCP server's resource indicator.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let mcp: TestMcpServer;
let listener: Awaited<ReturnType<typeof loopbackListener>>;
let ada: { id: string; login: string; password: string };
let agentClientId: string;

beforeAll(async () => {
  [browser, sesame, listener] = await Promise.all([launchBrowser(), startTestSesame(), loopbackListener()]);
  mcp = await startMcpServer(sesame.url);
  ada = await personWithMcpAccess(sesame, mcp);
  const app = await sesame.createApp({ name: 'Agent', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
  await allow(sesame, app.clientId, [], [{ indicator: mcp.url, scope: mcpScope }]);
  agentClientId = app.clientId;
});

afterAll(async () => {
  await browser?.close();
  await listener?.close();
  await mcp?.close();
  await sesame?.stop();
});

describe('an MCP client (official SDK) an admin registered beforehand', () => {
  it('discovers Sesame from the MCP server, sends the person through sign-in and consent, and calls a tool as them', async () => {
    const { context, page } = await newPerson(browser);
    const visits: Promise<unknown>[] = [];
    const auth = new AgentAuth({
      redirectUrl: listener.redirectUri,
      metadata: { client_name: 'Agent', redirect_uris: [listener.redirectUri], token_endpoint_auth_method: 'none' },
      preRegistered: { client_id: agentClientId },
      openBrowser: (url) => { visits.push(page.goto(url.href)); },
    });

    const first = agentConnection(mcp.url, auth);
    await expect(first.client.connect(first.transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(auth.authorizationUrls).toHaveLength(1);
    const request = auth.authorizationUrls[0]!;
    // What the SDK asks for: the MCP server's resource indicator (RFC 8707), its scope, PKCE S256.
    expect(request.origin).toBe(sesame.url);
    expect(request.searchParams.get('resource')).toBe(mcp.url);
    expect(request.searchParams.get('scope')).toBe(mcpScope);
    expect(request.searchParams.get('code_challenge_method')).toBe('S256');

    await Promise.all(visits);
    await signInOnPage(page, ada);
    await page.getByRole('button', { name: 'Authorize', exact: true }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Agent wants to access your account');
    expect(await page.getByText(`You will be sent to ${listener.origin}.`).isVisible()).toBe(true);
    await screenshot(page, file, 'consent');
    await page.getByRole('button', { name: 'Authorize', exact: true }).click();
    const callback = await listener.next();
    // RFC 9207, which the MCP authorization spec asks for: the response names its issuer.
    expect(callback.searchParams.get('iss')).toBe(sesame.url);
    await first.transport.finishAuth(callback.searchParams.get('code')!);

    const tokenRequest = first.sent.find((r) => r.url === `${sesame.url}/oidc/token`);
    expect(tokenRequest?.form?.get('resource'), 'the SDK names the resource at the token endpoint too').toBe(mcp.url);

    const second = agentConnection(mcp.url, auth, first.sent);
    await second.client.connect(second.transport);
    expect(await whoami(second.client)).toEqual({ sub: ada.id, client_id: agentClientId });
    expect(mcp.accepted.at(-1)).toMatchObject({ iss: sesame.url, aud: mcp.url, sub: ada.id, client_id: agentClientId, scope: mcpScope });
    await second.client.close();
    await context.close();
  });

  it('refuses a call without a token, with one Sesame signed for another API, and with an expired one', async () => {
    const bare = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain(`resource_metadata="${mcp.metadataUrl}"`);
    const metadata = await (await fetch(mcp.metadataUrl)).json();
    expect(metadata).toMatchObject({ resource: mcp.url, authorization_servers: [sesame.url] });

    const call = (token: string) => fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const garbage = await call('not-a-jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // Signed by Sesame's own key and otherwise right, but for another API: a token is good only where it is bound.
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: sesame.url, sub: ada.id, client_id: agentClientId, scope: mcpScope, iat: now, exp: now + 300, jti: 'elsewhere' };
    const elsewhere = await call(await signWithSesameKey(sesame, { ...claims, aud: 'https://api.elsewhere.example.com' }));
    expect(elsewhere.status).toBe(401);
    const expired = await call(await signWithSesameKey(sesame, { ...claims, aud: mcp.url, iat: now - 600, exp: now - 300 }));
    expect(expired.status).toBe(401);
  });

  it('finds in Sesame\'s RFC 8414 metadata what the SDK and the MCP authorization spec rely on', async () => {
    const metadata = await (await fetch(`${sesame.url}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.issuer).toBe(sesame.url);
    expect(metadata.code_challenge_methods_supported).toContain('S256');
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });
});

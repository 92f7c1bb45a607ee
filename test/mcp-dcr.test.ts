import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/locales/en.ts';
import { launchBrowser, loopbackListener, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { cliWith } from './support/cli.ts';
import { AgentAuth, agentConnection, whoami } from './support/mcp-client.ts';
import { mcpScope, personWithMcpAccess, startMcpServer, type TestMcpServer } from './support/mcp-server.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The official MCP SDK registering its client with Sesame by dynamic client registration (RFC 7591), as MCP
 * clients do when the authorization server offers no client ID metadata documents: in open mode the agent is in at
 * once; in approval mode the person meets the waiting page until the admin approves it with the CLI. Either way
 * the agent ends by calling a tool with a token bound to the MCP server.
 *
 * The MCP server advertises its scope (RFC 9728 scopes_supported), so the SDK registers with `scope: "mcp:tools"`
 * and asks for it: Sesame accepts the registration (the engine keeps only the OpenID scopes it knows; the app's
 * scopes are its allowlist's) and the token carries the scope the server needs.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let mcp: TestMcpServer;
let listener: Awaited<ReturnType<typeof loopbackListener>>;
let ada: { id: string; login: string; password: string };
const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  // Discovery names the registration endpoint as the policy the CLI sets says, with no cached answer in between.
  [browser, sesame, listener] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_SETTINGS_CACHE_SECONDS: '0' }), loopbackListener()]);
  mcp = await startMcpServer(sesame.url);
  ada = await personWithMcpAccess(sesame, mcp);
});

afterAll(async () => {
  await browser?.close();
  await listener?.close();
  await mcp?.close();
  await sesame?.stop();
});

/** What an MCP client registers: a public client with its loopback redirect (the SDK adds the server's scope). */
const agentMetadata = (name: string): OAuthClientMetadata => ({
  client_name: name,
  redirect_uris: [listener.redirectUri],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

/** An agent with nothing stored: its first connection registers it and sends the person's browser to Sesame. */
async function firstConnection(name: string, page: Page) {
  const visits: Promise<unknown>[] = [];
  const auth = new AgentAuth({ redirectUrl: listener.redirectUri, metadata: agentMetadata(name), openBrowser: (url) => { visits.push(page.goto(url.href)); } });
  const connection = agentConnection(mcp.url, auth);
  await expect(connection.client.connect(connection.transport)).rejects.toBeInstanceOf(UnauthorizedError);
  const registration = connection.sent.find((r) => r.method === 'POST' && r.url === `${sesame.url}/oidc/reg`);
  expect(registration, 'the SDK registered at Sesame\'s registration endpoint').toBeTruthy();
  expect(registration!.json?.scope, 'with the MCP server\'s scope').toBe(mcpScope);
  const clientId = (auth.clientInformation() as { client_id: string }).client_id;
  expect(auth.authorizationUrls[0]!.searchParams.get('client_id')).toBe(clientId);
  expect(auth.authorizationUrls[0]!.searchParams.get('resource')).toBe(mcp.url);
  await Promise.all(visits);
  return { auth, connection, clientId };
}

/** The person signs in and authorizes; the agent finishes with the code and calls the tool as them. */
async function consentAndCallTool(page: Page, name: string, agent: Awaited<ReturnType<typeof firstConnection>>, shot: string) {
  await signInOnPage(page, ada);
  await page.getByRole('button', { name: 'Authorize', exact: true }).waitFor();
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`${name} wants to access your account`);
  expect(await page.getByRole('note').allTextContents()).toContain(en['consent.loopbackWarning']);
  // The screen names the API the token is for, and where it is.
  const api = page.getByRole('group', { name: en['consent.resource'].replace('{resource}', 'Test MCP server') });
  expect(await api.getByText(en['consent.resourceHost'].replace('{host}', new URL(mcp.url).host)).isVisible()).toBe(true);
  await screenshot(page, file, shot);
  await page.getByRole('button', { name: 'Authorize', exact: true }).click();
  const callback = await listener.next();
  expect(callback.searchParams.get('iss')).toBe(sesame.url);
  await agent.connection.transport.finishAuth(callback.searchParams.get('code')!);

  const again = agentConnection(mcp.url, agent.auth);
  await again.client.connect(again.transport);
  expect(await whoami(again.client)).toEqual({ sub: ada.id, client_id: agent.clientId });
  expect(mcp.accepted.at(-1)).toMatchObject({ iss: sesame.url, aud: mcp.url, sub: ada.id, client_id: agent.clientId, scope: mcpScope });
  await again.client.close();
}

describe('an MCP client (official SDK) that registers itself (RFC 7591)', () => {
  it('in open mode: registers, the person consents, and it calls a tool', async () => {
    // What every new dynamic app may use, of what it asks for: the MCP server's scope.
    await cli.json('registration', 'set', '--dcr', 'open', '--cimd', 'off', '--default-resource-scope', `${mcp.url}#${mcpScope}`);
    const { context, page } = await newPerson(browser);
    const agent = await firstConnection('Open Agent', page);
    expect(await cli.json('apps', 'list', '--dynamic')).toMatchObject({
      applications: expect.arrayContaining([expect.objectContaining({ client_id: agent.clientId, origin: 'dcr', status: 'approved' })]),
    });
    await consentAndCallTool(page, 'Open Agent', agent, 'open-consent');
    await context.close();
  });

  it('in approval mode: the person waits for the administrator, who approves with the CLI; then it calls a tool', async () => {
    // No default permissions: the admin allows this agent its scope when approving it.
    await cli.json('registration', 'set', '--dcr', 'approval', '--cimd', 'off', '--no-default-permissions');
    const { context, page } = await newPerson(browser);
    const agent = await firstConnection('Careful Agent', page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(en['appPending.title']);
    expect(await page.getByText(en['appPending.text'].replace('{app}', 'Careful Agent')).isVisible()).toBe(true);
    await screenshot(page, file, 'waiting-for-the-administrator');

    const pending = await cli.json<{ applications: { client_id: string; origin: string }[] }>('apps', 'list', '--status', 'pending');
    expect(pending.applications).toEqual([expect.objectContaining({ client_id: agent.clientId, origin: 'dcr' })]);
    expect(await cli.json('apps', 'approve', '--id', agent.clientId)).toMatchObject({ client_id: agent.clientId, status: 'approved' });
    await cli.json('apps', 'permissions', 'set', '--id', agent.clientId, '--resource-scope', `${mcp.url}#${mcpScope}`);

    await page.reload();
    await consentAndCallTool(page, 'Careful Agent', agent, 'approval-consent');
    await context.close();
  });
});

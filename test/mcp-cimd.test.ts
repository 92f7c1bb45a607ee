import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/locales/en.ts';
import { launchBrowser, loopbackListener, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { cliWith } from './support/cli.ts';
import { AgentAuth, agentConnection, whoami } from './support/mcp-client.ts';
import { mcpScope, personWithMcpAccess, startMcpServer, type TestMcpServer } from './support/mcp-server.ts';
import { MetadataHost } from './support/metadata-host.ts';
import { setRegistrationPolicy } from './support/registration.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The official MCP SDK naming its client by a Client ID Metadata Document (`clientMetadataUrl`): the document is
 * served over https on this machine (test/support/metadata-host.ts), which SESAME_ALLOW_LOOPBACK_METADATA lets
 * Sesame fetch. With CIMD in approval mode the person first meets the waiting page; the admin approves the agent
 * and allows it the MCP server's scope with the CLI; the person tries again, consents, and the agent calls a tool.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let host: MetadataHost;
let mcp: TestMcpServer;
let listener: Awaited<ReturnType<typeof loopbackListener>>;
let ada: { id: string; login: string; password: string };
const cli = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  [browser, host, sesame, listener] = await Promise.all([
    launchBrowser(), new MetadataHost().start(), startTestSesame({ SESAME_ALLOW_LOOPBACK_METADATA: 'true' }), loopbackListener(),
  ]);
  mcp = await startMcpServer(sesame.url);
  ada = await personWithMcpAccess(sesame, mcp);
});

afterAll(async () => {
  await browser?.close();
  await listener?.close();
  await mcp?.close();
  await sesame?.stop();
  await host?.stop();
});

describe('an MCP client (official SDK) named by its client ID metadata document', () => {
  it('waits for the administrator, then signs the person in once the admin approved it, and calls a tool', async () => {
    await cli.json('registration', 'set', '--cimd', 'approval');
    // What an MCP client publishes about itself (the SDK's metadata, with the document's own URL as client_id).
    const metadata = {
      client_name: 'Research Agent',
      redirect_uris: [listener.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
    const documentUrl = host.document('/agents/research/client.json', metadata);
    const { context, page } = await newPerson(browser);
    const visits: Promise<unknown>[] = [];
    const auth = new AgentAuth({
      redirectUrl: listener.redirectUri,
      metadata,
      clientMetadataUrl: documentUrl,
      openBrowser: (url) => { visits.push(page.goto(url.href)); },
    });

    const first = agentConnection(mcp.url, auth);
    await expect(first.client.connect(first.transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const request = auth.authorizationUrls[0]!;
    expect(request.searchParams.get('client_id'), 'the SDK uses the document URL as its client_id').toBe(documentUrl);
    expect(first.sent.some((r) => r.url.endsWith('/reg')), 'nor does it register').toBe(false);
    expect(request.searchParams.get('resource')).toBe(mcp.url);

    await Promise.all(visits);
    expect(host.requests).toContain('/agents/research/client.json');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(en['appPending.title']);
    expect(await page.getByText(en['appPending.text'].replace('{app}', 'Research Agent')).isVisible()).toBe(true);
    await screenshot(page, file, 'waiting-for-the-administrator');

    // The admin finds the agent among the pending apps, approves it and allows it the MCP server's scope.
    const pending = await cli.json<{ applications: { client_id: string; origin: string }[] }>('apps', 'list', '--status', 'pending');
    expect(pending.applications).toEqual([expect.objectContaining({ client_id: documentUrl, origin: 'cimd' })]);
    expect(await cli.json('apps', 'approve', '--id', documentUrl)).toMatchObject({ client_id: documentUrl, status: 'approved' });
    await cli.json('apps', 'permissions', 'set', '--id', documentUrl, '--resource-scope', `${mcp.url}#${mcpScope}`);

    // The person tries again: the same authorization request now leads to sign-in and consent.
    await page.reload();
    await signInOnPage(page, ada);
    await page.getByRole('button', { name: 'Authorize', exact: true }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Research Agent wants to access your account');
    expect(await page.getByRole('note').allTextContents()).toEqual([
      en['consent.loopbackWarning'], en['consent.unverifiedWarning'].replace('{app}', 'Research Agent'),
    ]);
    await screenshot(page, file, 'consent');
    await page.getByRole('button', { name: 'Authorize', exact: true }).click();
    const callback = await listener.next();
    expect(callback.searchParams.get('iss')).toBe(sesame.url);
    await first.transport.finishAuth(callback.searchParams.get('code')!);

    const second = agentConnection(mcp.url, auth, first.sent);
    await second.client.connect(second.transport);
    expect(await whoami(second.client)).toEqual({ sub: ada.id, client_id: documentUrl });
    expect(mcp.accepted.at(-1)).toMatchObject({ iss: sesame.url, aud: mcp.url, sub: ada.id, scope: mcpScope });
    await second.client.close();
    await context.close();
  });
});

import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

export interface AgentAuthOptions {
  redirectUrl: string;
  metadata: OAuthClientMetadata;
  /** A client the admin created beforehand; without it the SDK registers (DCR) or uses `clientMetadataUrl` (CIMD). */
  preRegistered?: OAuthClientInformationMixed;
  clientMetadataUrl?: string;
  /** Called with each authorization URL: the test's browser goes there. */
  openBrowser(url: URL): void;
}

/**
 * An MCP client (an AI agent) as the official SDK builds one: its OAuthClientProvider keeps what the SDK hands it
 * in memory, as an agent keeps it on disk, and "opens the browser" by handing the authorization URL to the test,
 * which drives chromium there. The agent's redirect URI is a loopback listener (RFC 8252 §7.3).
 */
export class AgentAuth implements OAuthClientProvider {
  private client?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = '';
  private discovery?: OAuthDiscoveryState;
  /** Authorization URLs the SDK sent the person to, oldest first. */
  readonly authorizationUrls: URL[] = [];
  clientMetadataUrl?: string;

  private readonly options: AgentAuthOptions;

  constructor(options: AgentAuthOptions) {
    this.options = options;
    this.client = options.preRegistered;
    this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get redirectUrl() { return this.options.redirectUrl; }
  get clientMetadata() { return this.options.metadata; }
  clientInformation() { return this.client; }
  saveClientInformation(information: OAuthClientInformationMixed) { this.client = information; }
  tokens() { return this.saved; }
  saveTokens(tokens: OAuthTokens) { this.saved = tokens; }
  saveCodeVerifier(verifier: string) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
  saveDiscoveryState(state: OAuthDiscoveryState) { this.discovery = state; }
  discoveryState() { return this.discovery; }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    this.options.openBrowser(url);
  }
}

/** A request the SDK made, with its form body (token endpoint) or JSON body (registration) when it had one. */
export interface SentRequest { method: string; url: string; form?: URLSearchParams; json?: Record<string, unknown> }

/**
 * The SDK's client and Streamable HTTP transport for one connection attempt, recording every request it makes
 * (to the MCP server and to Sesame). A connection that needs the person ends in UnauthorizedError; after
 * `transport.finishAuth(code)` a new connection uses the saved tokens, as the SDK's own examples do.
 */
export function agentConnection(serverUrl: string, auth: AgentAuth, sent: SentRequest[] = []) {
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
    authProvider: auth,
    async fetch(input, init) {
      const body = init?.body;
      sent.push({
        method: init?.method ?? 'GET',
        url: String(input),
        form: body instanceof URLSearchParams ? new URLSearchParams(body) : typeof body === 'string' && !body.startsWith('{') ? new URLSearchParams(body) : undefined,
        json: typeof body === 'string' && body.startsWith('{') ? JSON.parse(body) as Record<string, unknown> : undefined,
      });
      return fetch(input, init);
    },
  });
  const client = new Client({ name: 'sesame-test-agent', version: '1.0.0' });
  return { client, transport, sent };
}

/** Calls the server's `whoami` tool and reads its answer. */
export async function whoami(client: Client): Promise<{ sub?: string; client_id?: string }> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const [first] = result.content as { type: string; text: string }[];
  return JSON.parse(first!.text) as { sub?: string; client_id?: string };
}

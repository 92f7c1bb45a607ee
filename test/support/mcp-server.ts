import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { giveRole } from './consent.ts';
import type { TestSesame } from './sesame.ts';

/**
 * An MCP server as a third party runs one, protected by Sesame: the SDK's Streamable HTTP transport on a loopback
 * port, serving RFC 9728 protected-resource metadata that names Sesame as its authorization server, and accepting
 * only Sesame's RFC 9068 JWT access tokens issued for its own resource indicator. Its one tool, `whoami`, answers
 * with the token's subject, so a test sees whose token reached the tool.
 */
export interface TestMcpServer {
  /** The MCP endpoint, which is also the resource indicator to register in Sesame. */
  url: string;
  /** Where the protected-resource metadata is served (RFC 9728 §3.1: the well-known path before the resource's path). */
  metadataUrl: string;
  /** The claims of every access token the server accepted, oldest first. */
  accepted: JWTPayload[];
  close(): Promise<void>;
}

/** The scope a token must carry to call the tools, unless the server is started to ask for none. */
export const mcpScope = 'mcp:tools';

/**
 * `scope`: what the server asks of a token and advertises (RFC 9728 scopes_supported, the challenge's scope), or
 * null for a server that asks for none and relies on the token's audience alone, as many MCP servers do.
 */
export async function startMcpServer(issuer: string, options: { scope?: string | null } = {}): Promise<TestMcpServer> {
  const scope = options.scope === undefined ? mcpScope : options.scope;
  const discovery = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json() as { jwks_uri: string };
  const keys = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const accepted: JWTPayload[] = [];
  let resource = '';
  let metadataUrl = '';

  /** RFC 9068 §4: a JWT typed at+jwt, signed by the issuer's key, for this resource, not expired. */
  async function verify(token: string): Promise<AuthInfo> {
    const { payload } = await jwtVerify(token, keys, { issuer, audience: resource, typ: 'at+jwt' });
    accepted.push(payload);
    return {
      token,
      clientId: String(payload.client_id),
      scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
      expiresAt: payload.exp,
      resource: new URL(resource),
      extra: { sub: payload.sub },
    };
  }

  /** RFC 6750 §3 with RFC 9728 §5.1: where a client finds out which authorization server to ask. */
  function challenge(res: ServerResponse, status: 401 | 403, error?: string): void {
    const params = [error && `error="${error}"`, scope && `scope="${scope}"`, `resource_metadata="${metadataUrl}"`].filter(Boolean);
    res.writeHead(status, { 'www-authenticate': `Bearer ${params.join(', ')}`, 'content-type': 'application/json' })
      .end(JSON.stringify({ error: error ?? 'invalid_token', error_description: 'a bearer token from Sesame is required' }));
  }

  async function serveMcp(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer ([^\s]+)$/i.exec(header)?.[1];
    if (!token) return challenge(res, 401);
    try {
      req.auth = await verify(token);
    } catch {
      return challenge(res, 401, 'invalid_token');
    }
    if (scope && !req.auth.scopes.includes(scope)) return challenge(res, 403, 'insufficient_scope');
    // Stateless: a server and transport per request, as the SDK's stateless example does.
    const server = new McpServer({ name: 'sesame-test-mcp', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who the access token speaks for' }, async (extra) => ({
      content: [{ type: 'text', text: JSON.stringify({ sub: extra.authInfo?.extra?.sub, client_id: extra.authInfo?.clientId }) }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => { void transport.close(); void server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === new URL(metadataUrl).pathname && req.method === 'GET') {
      const metadata: OAuthProtectedResourceMetadata = {
        resource,
        authorization_servers: [issuer],
        ...(scope ? { scopes_supported: [scope] } : {}),
        bearer_methods_supported: ['header'],
        resource_name: 'Sesame test MCP server',
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
      return;
    }
    if (path === new URL(resource).pathname) {
      serveMcp(req, res).catch(() => { if (!res.headersSent) res.writeHead(500).end(); });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  resource = `${origin}/mcp`;
  metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
  return {
    url: resource,
    metadataUrl,
    accepted,
    close: () => new Promise<void>((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
  };
}

/** Someone an agent signs in as: the MCP server is an API resource whose indicator is its URL, and Ada holds its scope through a role. */
export async function personWithMcpAccess(sesame: TestSesame, mcp: TestMcpServer): Promise<{ id: string; login: string; password: string }> {
  const user = await sesame.createUser({ username: 'ada', name: 'Ada Lovelace' });
  await giveRole(sesame, user.id, { name: 'Test MCP server', indicator: mcp.url, scopes: [mcpScope] }, [mcpScope]);
  return { id: user.id, login: user.username, password: user.password };
}

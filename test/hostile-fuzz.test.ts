import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from './support/database.ts';
import { Fuzzer } from './support/hostile-values.ts';
import { apiClient, createManagementApp, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Thousands of generated hostile requests — fuzzed parameters, bodies, headers and paths — to every endpoint
 * family. Whatever arrives, Sesame answers with a 2xx, 3xx or 4xx, never a 5xx or a stack trace, and keeps
 * serving afterwards. Seeded (SESAME_FUZZ_SEED) and bounded (SESAME_FUZZ_REQUESTS), so a failure replays.
 */
// `npm test` runs the suite on both databases: each sends its own 2,500 requests (another seed), 5,000 in all.
const seed = Number(process.env.SESAME_FUZZ_SEED ?? (testDatabaseKind === 'postgres' ? 20261131 : 20261130));
const total = Number(process.env.SESAME_FUZZ_REQUESTS ?? 2500);
const concurrency = 6;
const redirectUri = 'https://app.example.com/callback';

interface FuzzRequest {
  family: string;
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  headers?: Record<string, string>;
  body?: string;
  /** Written to the socket as it is, for what fetch refuses to send. */
  raw?: Buffer;
}

interface Failure { family: string; method: string; target: string; status: number; excerpt: string }

let sesame: TestSesame;
let state: {
  web: { clientId: string; clientSecret: string };
  spa: string;
  thirdParty: string;
  management: { clientId: string; clientSecret: string };
  token: string;
  userIds: string[];
  resourceIds: string[];
  roleIds: string[];
  /** An interaction in progress, its CSRF token and the browser (cookies) that holds it. */
  interaction: { uid: string; csrf: string; agent: UserAgent };
  operations: { method: string; path: string; query: string[]; bodyKeys: string[] }[];
};

beforeAll(async () => {
  sesame = await startTestSesame();
  const web = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirectUri] });
  const spa = await sesame.createApp({ name: 'SPA', type: 'spa', redirect_uris: [redirectUri] });
  const thirdParty = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
  const management = await createManagementApp(sesame, 'Fuzz automation');
  const token = await managementToken(sesame, management);
  const api = apiClient(sesame, token);
  const users = await Promise.all([1, 2, 3].map(() => sesame.createUser()));
  const resource = await api('POST', '/api/resources', { name: 'Orders', indicator: 'https://orders.example.com', scopes: [{ name: 'orders:read' }] });
  const role = await api('POST', '/api/roles', { name: 'Fuzzers' });
  expect(resource.status).toBe(201);
  expect(role.status).toBe(201);

  const agent = new UserAgent(sesame.url);
  const query = new URLSearchParams({ client_id: web.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid' });
  const { response, url } = await agent.follow(`${sesame.url}/oidc/auth?${query}`);
  const form = parseForm(await response.text(), url);
  const document = await (await fetch(`${sesame.url}/api/openapi.json`)).json() as OpenApi;

  state = {
    web: { clientId: web.clientId, clientSecret: web.clientSecret! },
    spa: spa.clientId,
    thirdParty: thirdParty.clientId,
    management,
    token,
    userIds: users.map((u) => u.id),
    resourceIds: [resource.body.id],
    roleIds: [role.body.id],
    interaction: { uid: new URL(url).pathname.split('/')[2]!, csrf: form.fields.csrf!, agent },
    operations: operationsOf(document),
  };
});
afterAll(async () => sesame?.stop());

type OpenApi = { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: unknown }> } }>> };

/** Every Management API operation (its path from the issuer, /api included), with its query parameters and body fields. */
function operationsOf(document: OpenApi) {
  const keysOf = (schema: unknown): string[] => {
    const s = schema as { properties?: Record<string, unknown>; $ref?: string; anyOf?: unknown[]; allOf?: unknown[] } | undefined;
    return [...Object.keys(s?.properties ?? {}), ...[...(s?.anyOf ?? []), ...(s?.allOf ?? [])].flatMap(keysOf)];
  };
  return Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    bodyKeys: keysOf(op.requestBody?.content?.['application/json']?.schema),
  })));
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
/** Basic credentials as an attacker sends them: not form-encoded, any bytes. */
const rawBasic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Header values fetch accepts (no control character but TAB; one byte a character), keeping the rest as hostile as it was. */
const headerValue = (value: string) => value.replace(/[\u0000-\u0008\u000a-\u001f\u007f]|[^\u0000-\u00ff]/g, '?').slice(0, 4000);

const authParams = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'prompt', 'max_age', 'ui_locales',
  'login_hint', 'id_token_hint', 'acr_values', 'claims', 'code_challenge', 'code_challenge_method', 'resource', 'response_mode',
  'request', 'request_uri', 'display', 'claims_locales', 'registration'];
const tokenParams = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'resource', 'client_id',
  'client_secret', 'client_assertion', 'client_assertion_type', 'device_code', 'audience'];

function clientAuthHeaders(f: Fuzzer): Record<string, string> {
  const roll = f.int(5);
  if (roll === 0) return {};
  if (roll === 1) return { authorization: basic(state.web.clientId, state.web.clientSecret) };
  if (roll === 2) return { authorization: rawBasic(f.string([state.web.clientId, state.spa]), f.string()) };
  if (roll === 3) return { authorization: headerValue(f.pick(['Basic ', 'Basic !!!', 'Bearer x', 'Basic Og==', f.string()])) };
  return { authorization: basic(state.management.clientId, state.management.clientSecret) };
}

function formHeaders(f: Fuzzer): Record<string, string> {
  return { 'content-type': f.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', headerValue(f.string())]) };
}

function browserHeaders(f: Fuzzer): Record<string, string> {
  const headers: Record<string, string> = { accept: f.pick(['text/html', 'application/json', '*/*', headerValue(f.string())]) };
  if (f.chance(0.4)) headers['accept-language'] = headerValue(f.string(['fr', 'ja', 'ko;q=0.5, ru', '*']));
  if (f.chance(0.2)) headers.cookie = headerValue(`${f.pick(['_interaction', '_session', 'sesame.account', 'sesame.setup', f.string()])}=${f.string()}`);
  if (f.chance(0.1)) headers.host = headerValue(f.pick(['evil.example', '', 'localhost:1', f.string()])) || 'x';
  if (f.chance(0.1)) headers['x-forwarded-for'] = headerValue(f.string(['1.2.3.4', '::1, 10.0.0.1']));
  return headers;
}

/** One request of each family, drawn from the fuzzer. */
const families: Record<string, (f: Fuzzer) => FuzzRequest> = {
  authorization(f) {
    const usual = { client_id: [state.web.clientId, state.spa, state.thirdParty, 'sesame-console'], redirect_uri: [redirectUri], response_type: ['code'], scope: ['openid', 'openid profile offline_access'], code_challenge_method: ['S256'] };
    const query = f.query(authParams, usual);
    if (f.chance(0.3)) return { family: 'authorization', method: 'POST', target: '/oidc/auth', headers: { ...browserHeaders(f), ...formHeaders(f) }, body: query };
    return { family: 'authorization', method: 'GET', target: `/oidc/auth?${query}`, headers: browserHeaders(f) };
  },
  token(f) {
    const usual = { grant_type: ['authorization_code', 'refresh_token', 'client_credentials'], redirect_uri: [redirectUri], client_id: [state.web.clientId, state.spa], resource: [`${sesame.url}/api`, 'https://orders.example.com'] };
    return { family: 'token', method: 'POST', target: '/oidc/token', headers: { ...clientAuthHeaders(f), ...formHeaders(f) }, body: f.query(tokenParams, usual) };
  },
  introspectionAndRevocation(f) {
    const target = f.pick(['/oidc/token/introspection', '/oidc/token/revocation']);
    const body = f.query(['token', 'token_type_hint', 'client_id', 'client_secret'], { token: [state.token], token_type_hint: ['access_token', 'refresh_token'] });
    return { family: 'introspectionAndRevocation', method: 'POST', target, headers: { ...clientAuthHeaders(f), ...formHeaders(f) }, body };
  },
  userinfo(f) {
    const authorization = headerValue(`${f.pick(['Bearer ', 'bearer ', 'DPoP ', ''])}${f.string([state.token])}`);
    return { family: 'userinfo', method: f.pick(['GET', 'POST']), target: `/oidc/me?${f.query(['access_token', 'schema'])}`, headers: { authorization } };
  },
  endSession(f) {
    const query = f.query(['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'ui_locales', 'logout_hint'], { client_id: [state.web.clientId] });
    if (f.chance(0.3)) return { family: 'endSession', method: 'POST', target: '/oidc/session/end/confirm', headers: { ...browserHeaders(f), ...formHeaders(f) }, body: f.query(['xsrf', 'logout']) };
    return f.chance(0.5)
      ? { family: 'endSession', method: 'GET', target: `/oidc/session/end?${query}`, headers: browserHeaders(f) }
      : { family: 'endSession', method: 'POST', target: '/oidc/session/end', headers: { ...browserHeaders(f), ...formHeaders(f) }, body: query };
  },
  interaction(f) {
    const { uid, csrf } = state.interaction;
    const step = f.pick(['', '/login', '/sign-up', '/consent', '/abort', '/switch', `/${f.encoded()}`]);
    const target = `/interaction/${f.chance(0.7) ? uid : f.encoded()}${step}`;
    const headers = browserHeaders(f);
    // The browser's own cookies most of the time, so requests reach the handlers behind the interaction check.
    if (f.chance(0.7)) headers.cookie = `_interaction=${uid}`;
    if (f.chance(0.5)) {
      const body = f.query(['csrf', 'login', 'password', 'username', 'email', 'grant', 'logout'], { csrf: [csrf], login: ['alice', 'bob@example.com'] });
      return { family: 'interaction', method: 'POST', target, headers: { ...headers, ...formHeaders(f) }, body };
    }
    return { family: 'interaction', method: 'GET', target: `${target}?${f.query(['ui_locales', 'error'])}`, headers };
  },
  account(f) {
    const target = f.pick([
      '/account', `/account/login?${f.query(['ui_locales'])}`, `/account/callback?${f.query(['code', 'state', 'error', 'iss'])}`,
      `/account/logout`, `/account/apps/${f.encoded([state.thirdParty])}/revoke`, `/account/${f.encoded()}`,
    ]);
    const method = target.endsWith('/revoke') ? 'POST' : 'GET';
    return { family: 'account', method, target, headers: { ...browserHeaders(f), ...(method === 'POST' ? formHeaders(f) : {}) }, body: method === 'POST' ? f.query(['csrf']) : undefined };
  },
  console(f) {
    if (f.chance(0.3)) return { family: 'console', method: 'POST', target: '/console/setup', headers: { ...browserHeaders(f), ...formHeaders(f) }, body: f.query(['token', 'csrf', 'username', 'email', 'password']) };
    const target = f.pick([`/console/setup?${f.query(['token', 'ui_locales'])}`, '/console/config.json', `/console/${f.encoded()}`, `/console/applications/${f.encoded()}`]);
    return { family: 'console', method: 'GET', target, headers: browserHeaders(f) };
  },
  management(f) {
    const op = f.pick(state.operations);
    const ids = [state.web.clientId, state.spa, state.thirdParty, ...state.userIds, ...state.resourceIds, ...state.roleIds];
    const path = op.path.replace(/\{[^}]+\}/g, () => (f.chance(0.6) ? encodeURIComponent(f.pick(ids)) : f.encoded()));
    const query = f.query(op.query, { limit: ['1', '50'], search: ['a'] });
    const headers: Record<string, string> = { authorization: f.chance(0.9) ? `Bearer ${state.token}` : headerValue(f.string()) };
    let body: string | undefined;
    if (!['GET', 'DELETE'].includes(op.method) || f.chance(0.1)) {
      headers['content-type'] = f.pick(['application/json', 'application/json', 'application/merge-patch+json', 'text/plain', headerValue(f.string())]);
      const value = f.chance(0.8) ? f.objectWith(op.bodyKeys, ids) : f.json();
      body = f.chance(0.05) ? f.string() : f.jsonText(value);
    }
    return { family: 'management', method: f.chance(0.05) ? f.pick(['PUT', 'PATCH', 'OPTIONS', 'HEAD']) : op.method, target: `${path}${query ? `?${query}` : ''}`, headers, body };
  },
  discoveryAndMisc(f) {
    const target = f.pick([
      '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/oidc/jwks', '/healthz', '/readyz',
      '/favicon.ico', `/${f.encoded()}`, `/oidc/${f.encoded()}`, `/.well-known/${f.encoded()}`, `/api/docs`, '/api/openapi.json',
    ]);
    const method = f.pick(['GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH', 'FOO']);
    const headers = browserHeaders(f);
    if (method === 'OPTIONS') Object.assign(headers, { origin: headerValue(f.string(['https://app.example.com', 'null'])), 'access-control-request-method': 'POST' });
    return { family: 'discoveryAndMisc', method, target, headers, body: ['POST', 'PUT', 'PATCH'].includes(method) ? f.string() : undefined };
  },
  raw(f) {
    const path = f.pick(['/oidc/auth', '/oidc/token', '/interaction/x/login', '/api/users', '/account', '/console/setup', '/']);
    const line = `${f.pick(['GET', 'POST', 'G\u00e9T', 'GET GET'])} ${path}?${f.pick(['a=%ff%fe', 'q=\u00ff\u00fe', 'x=%', 'client_id=\u0000', 'a=%C0%AF', ''])} HTTP/1.1`;
    const extra = f.pick(['Accept-Language: \u00ff\u00fe', `Cookie: _interaction=${'\u00e9'.repeat(30)}`, 'Content-Type: application/x-www-form-urlencoded', 'X: \u0001', 'Authorization: Basic \u00ff']);
    const body = f.pick(['', 'login=%ff&password=%00', '{"a":', 'grant_type=%E0%A4%A']);
    const head = `${line}\r\nHost: 127.0.0.1\r\n${extra}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\nConnection: close\r\n\r\n`;
    return { family: 'raw', method: 'RAW', target: line, raw: Buffer.from(head + body, 'latin1') };
  },
};

/** Weights: the protocol endpoints and the Management API get the most. */
const plan: [string, number][] = [
  ['authorization', 16], ['token', 14], ['introspectionAndRevocation', 6], ['userinfo', 5], ['endSession', 6], ['interaction', 14],
  ['account', 6], ['console', 6], ['management', 20], ['discoveryAndMisc', 5], ['raw', 2],
];

function* requests(f: Fuzzer): Generator<FuzzRequest> {
  const weightSum = plan.reduce((sum, [, w]) => sum + w, 0);
  for (let i = 0; i < total; i++) {
    let roll = f.int(weightSum);
    const [family] = plan.find(([, w]) => (roll -= w) < 0)!;
    yield families[family]!(f);
  }
}

function sendRaw(raw: Buffer): Promise<{ status: number; text: string }> {
  const { port } = new URL(sesame.url);
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(Number(port), '127.0.0.1', () => socket.end(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.on('error', reject);
  });
}

/**
 * Sends a request; a connection the server closed just as the client reused it (a keep-alive race on a busy
 * machine) is tried once more on a new one. A server that died fails the checks after the run anyway.
 */
async function send(request: FuzzRequest): Promise<{ status: number; text: string }> {
  try {
    return await sendOnce(request);
  } catch {
    return sendOnce(request);
  }
}

async function sendOnce(request: FuzzRequest): Promise<{ status: number; text: string }> {
  if (request.raw) return sendRaw(request.raw);
  const response = await fetch(`${sesame.url}${request.target}`, {
    method: request.method,
    headers: request.headers,
    body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
    redirect: 'manual',
  });
  return { status: response.status, text: await response.text() };
}

const stackTrace = /\n\s+at \S+ \(|node_modules\/|\(node:internal/;

describe('hostile input, generated', () => {
  it(`answers ${total} fuzzed requests to every endpoint family without a 5xx or a stack trace, and keeps serving`, async () => {
    const f = new Fuzzer(seed);
    const queue = requests(f);
    const failures: Failure[] = [];
    const statuses = new Map<string, number>();
    const busy = new Map<string, number>();
    let sent = 0;
    const worker = async () => {
      for (let next = queue.next(); !next.done; next = queue.next()) {
        const request = next.value;
        const started = performance.now();
        const { status, text } = await send(request).catch((error: Error) => ({ status: -1, text: String(error.cause ?? error) }));
        sent++;
        busy.set(request.family, (busy.get(request.family) ?? 0) + performance.now() - started);
        const key = `${request.family} ${Math.floor(status / 100)}xx`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (status >= 500 || status === -1 || stackTrace.test(text)) {
          failures.push({ family: request.family, method: request.method, target: request.target.slice(0, 300), status, excerpt: text.slice(0, 300) });
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    console.log(`hostile fuzz (seed ${seed}): ${sent} requests`, Object.fromEntries([...statuses].sort()),
      'seconds spent per family', Object.fromEntries([...busy].map(([family, ms]) => [family, Math.round(ms / 100) / 10])));
    expect(sent).toBe(total);
    expect(failures, `seed ${seed}: ${JSON.stringify(failures.slice(0, 15), null, 1)}`).toEqual([]);

    // Still serving: health, discovery, a token, and the Management API with a token obtained now.
    expect((await fetch(`${sesame.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${sesame.url}/.well-known/openid-configuration`)).status).toBe(200);
    const fresh = await managementToken(sesame, state.management);
    expect((await apiClient(sesame, fresh)('GET', '/api/applications')).status).toBe(200);
  }, 900_000);
});

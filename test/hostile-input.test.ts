import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { resolveMasterSecret } from '../src/secrets/master-secret.ts';
import { startSesame } from '../src/server.ts';
import { spawnSesame } from './support/cli.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/** Whatever a client or a browser sends, Sesame answers with a 4xx and a clear error, never a 500. */
let sesame: TestSesame;
let web: { clientId: string; clientSecret?: string };
const redirectUri = 'https://app.example.com/callback';

beforeAll(async () => {
  sesame = await startTestSesame();
  web = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: [redirectUri] });
});
afterAll(async () => sesame?.stop());

function authUrl(params: Record<string, string> = {}, raw = '') {
  const query = new URLSearchParams({ client_id: web.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', ...params });
  return `${sesame.url}/oidc/auth?${query}${raw}`;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function send(path: string, init: RequestInit = {}) {
  const response = await fetch(`${sesame.url}${path}`, { redirect: 'manual', ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** A request written byte by byte, for what fetch refuses to send (invalid UTF-8, bad percent-encoding). */
function rawRequest(requestLine: string, headers: string[] = []): Promise<{ status: number; head: string }> {
  const { port } = new URL(sesame.url);
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(Number(port), '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.on('connect', () => {
      socket.write(Buffer.concat([
        Buffer.from(requestLine, 'latin1'),
        Buffer.from(`\r\nHost: 127.0.0.1:${port}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`, 'latin1'),
      ]));
    });
    socket.on('data', (chunk) => { data = Buffer.concat([data, chunk]); });
    socket.on('end', () => {
      const head = data.toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head });
    });
    socket.on('error', reject);
  });
}

describe('malformed bodies', () => {
  it('rejects malformed JSON and form bodies at the token endpoint with a protocol error', async () => {
    for (const [type, body] of [
      ['application/json', '{"grant_type":'],
      ['application/json', '"just a string"'],
      ['application/x-www-form-urlencoded', 'grant_type=authorization_code&code=%zz&&=&'],
      ['text/plain', '\u0000\u0001binary'],
      ['multipart/form-data; boundary=x', '--x\r\nnot really\r\n'],
    ] as const) {
      const res = await send('/oidc/token', { method: 'POST', headers: { 'content-type': type, authorization: basic(web.clientId, web.clientSecret!) }, body });
      expect(res.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${type} ${body}`).toBeLessThan(500);
      expect(res.json().error).toMatch(/^invalid_/);
    }
  });

  it('rejects malformed bodies at the sign-in form and the introspection endpoint', async () => {
    const login = await send('/interaction/nope/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"login":' });
    expect(login.status).toBeGreaterThanOrEqual(400);
    expect(login.status).toBeLessThan(500);
    const introspect = await send('/oidc/token/introspection', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web.clientId, web.clientSecret!) }, body: 'token=%E0%A4%A',
    });
    expect(introspect.status).toBeLessThan(500);
  });

  it('refuses a 1 MB body without reading it into a 500', async () => {
    const body = `grant_type=client_credentials&pad=${'a'.repeat(1024 * 1024)}`;
    const res = await send('/oidc/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web.clientId, web.clientSecret!) }, body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const form = await send('/interaction/nope/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
  });
});

describe('huge and duplicate parameters', () => {
  it('answers a 100 KB state or scope in the query with a 4xx (the request line is too long)', async () => {
    for (const param of ['state', 'scope']) {
      const res = await send(authUrl({ [param]: 'x'.repeat(100 * 1024) }).slice(sesame.url.length));
      expect(res.status, param).toBeGreaterThanOrEqual(400);
      expect(res.status, param).toBeLessThan(500);
    }
  });

  it('answers a 100 KB state or scope posted to the authorization endpoint without a 500', async () => {
    for (const param of ['state', 'scope']) {
      const body = new URLSearchParams({ client_id: web.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', [param]: 'x'.repeat(100 * 1024) });
      const res = await send('/oidc/auth', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      expect(res.status, param).toBeLessThan(500);
    }
  });

  it('rejects a duplicated client_id with invalid_request', async () => {
    const page = await send(authUrl({}, `&client_id=${web.clientId}`).slice(sesame.url.length));
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.text).toContain('invalid_request');

    const token = await send('/oidc/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${web.clientId}&client_id=${web.clientId}&client_secret=${web.clientSecret}`,
    });
    expect(token.status).toBe(400);
    expect(token.json().error).toBe('invalid_request');
  });

  it('rejects a duplicated redirect_uri or state with invalid_request, sent only to the registered redirect URI', async () => {
    for (const extra of [`&redirect_uri=${encodeURIComponent(redirectUri)}`, '&state=a&state=b', `&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`]) {
      const res = await send(authUrl({}, extra).slice(sesame.url.length));
      if (res.status === 400) {
        expect(res.text).toContain('invalid_request');
        continue;
      }
      expect(res.status, extra).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get('error')).toBe('invalid_request');
    }
  });
});

describe('unknown clients', () => {
  it('shows an error page and never redirects for an unknown client_id at /oidc/auth', async () => {
    const res = await send(authUrl({ client_id: 'no-such-client' }).slice(sesame.url.length));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.text).toContain('invalid_client');
  });

  it('answers invalid_client at /oidc/token for an unknown client', async () => {
    const res = await send('/oidc/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('no-such-client', 'secret') },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    expect(res.json().error).toBe('invalid_client');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });
});

describe('garbage in headers and URLs', () => {
  const garbage = [
    'Basic', 'Basic ', 'Basic !!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from(':').toString('base64')}`,
    `Basic ${Buffer.from('%zz:%zz').toString('base64')}`, 'Bearer', 'Bearer ', 'Bearer a b c', 'DPoP xyz', 'Digest username="x"',
    `Basic ${'A'.repeat(8000)}`, `Bearer ${'x'.repeat(8000)}`, 'Basic w6nDqQ==',
  ];

  it('answers garbage Authorization headers at token, userinfo, introspection and revocation with 4xx', async () => {
    for (const authorization of garbage) {
      for (const [path, body] of [['/oidc/token', 'grant_type=client_credentials'], ['/oidc/token/introspection', 'token=x'], ['/oidc/token/revocation', 'token=x']]) {
        const res = await send(path!, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body });
        expect(res.status, `${path} ${authorization.slice(0, 30)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${authorization.slice(0, 30)}`).toBeLessThan(500);
      }
      const me = await send('/oidc/me', { headers: { authorization } });
      expect(me.status, `/oidc/me ${authorization.slice(0, 30)}`).toBeGreaterThanOrEqual(400);
      expect(me.status).toBeLessThan(500);
    }
  });

  it('answers invalid UTF-8 and broken percent-encoding with 4xx', async () => {
    const paths = [
      `/oidc/auth?client_id=${web.clientId}&state=%E0%A4%A&response_type=code&scope=openid`,
      `/oidc/auth?client_id=%ff%fe&response_type=code&scope=openid`,
      `/oidc/auth?client_id=${web.clientId}&redirect_uri=%&response_type=code`,
      `/oidc/auth?client_id=%00&response_type=code&scope=openid`,
      `/oidc/auth?client_id=${web.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=openid&state=a%00b&nonce=%00`,
      `/oidc/auth?client_id=${web.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=openid&login_hint=%C0%AF`,
      '/interaction/%ff%fe', '/interaction/%', '/interaction/%00', '/oidc/%ff', '/%ff', '/.well-known/%E0%A4%A',
      `/oidc/session/end?client_id=%ff&post_logout_redirect_uri=%`,
    ];
    for (const path of paths) {
      const res = await rawRequest(`GET ${path} HTTP/1.1`);
      expect(res.status, path).toBeGreaterThanOrEqual(300);
      expect(res.status, path).toBeLessThan(500);
    }
    // Raw bytes that are not UTF-8 at all, in the path and in the query.
    for (const line of ['GET /oidc/auth?client_id=\xff\xfe&scope=openid HTTP/1.1', 'GET /interaction/\xff HTTP/1.1']) {
      const res = await rawRequest(line);
      expect(res.status, line).toBeGreaterThanOrEqual(400);
      expect(res.status, line).toBeLessThan(500);
    }
  });

  it('answers NUL and invalid UTF-8 in form bodies with 4xx', async () => {
    for (const body of ['grant_type=client_credentials&client_id=%00&client_secret=x', 'grant_type=authorization_code&code=%00&redirect_uri=%ff', 'grant_type=refresh_token&refresh_token=a%00b']) {
      const res = await send('/oidc/token', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web.clientId, web.clientSecret!) }, body,
      });
      expect(res.status, body).toBeGreaterThanOrEqual(400);
      expect(res.status, body).toBeLessThan(500);
    }
    const res = await send('/oidc/token', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('a\u0000b', 'x') }, body: 'grant_type=client_credentials',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json().error).toMatch(/^invalid_/);
  });

  it('answers HEAD and OPTIONS on every endpoint without a 500', async () => {
    const paths = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/oidc/auth', '/oidc/token', '/oidc/me',
      '/oidc/jwks', '/oidc/session/end', '/oidc/token/revocation', '/oidc/token/introspection', '/interaction/nope', '/interaction/nope/login',
      '/healthz', '/readyz', '/no/such/page'];
    for (const path of paths) {
      for (const method of ['HEAD', 'OPTIONS']) {
        const res = await send(path, { method, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
  });
});

describe('sign-in form', () => {
  async function openSignIn() {
    const agent = new UserAgent(sesame.url);
    const { response, url } = await agent.follow(authUrl({ state: 'abc' }));
    const page = await response.text();
    return { agent, url, page, form: parseForm(page, url) };
  }

  it('refuses a POST without a CSRF token, or with a wrong one, with a 403 page', async () => {
    const user = await sesame.createUser();
    const { agent, form } = await openSignIn();
    for (const csrf of [undefined, 'wrong', '', 'x'.repeat(5000)]) {
      const fields: Record<string, string> = { ...form.fields, login: user.username, password: user.password };
      if (csrf === undefined) delete fields.csrf;
      else fields.csrf = csrf;
      const res = await agent.request(form.action, { form: fields });
      expect(res.status, String(csrf)).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const text = await res.text();
      expect(text).toContain('This form is no longer valid');
      expect(text).not.toContain('at ');
    }
  });

  it('a CSRF token of one interaction does not work for another', async () => {
    const user = await sesame.createUser();
    const first = await openSignIn();
    const second = await openSignIn();
    const res = await second.agent.request(second.form.action, {
      form: { ...second.form.fields, csrf: first.form.fields.csrf!, login: user.username, password: user.password },
    });
    expect(res.status).toBe(403);
  });

  it('shows a friendly 400 page for an unknown or expired interaction uid', async () => {
    for (const uid of ['unknown-uid', 'x'.repeat(2000), '<script>alert(1)</script>']) {
      const res = await send(`/interaction/${encodeURIComponent(uid)}`);
      expect(res.status, uid).toBe(400);
      expect(res.text).toContain('This sign-in page has expired or was already used');
      expect(res.text).not.toContain('<script>alert(1)');
      const post = await send(`/interaction/${encodeURIComponent(uid)}/login`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'login=a&password=b&csrf=c',
      });
      expect(post.status, uid).toBe(400);
    }
    // The browser's own interaction, after it expired (its database row is gone).
    const { agent, url, form } = await openSignIn();
    const uid = new URL(url).pathname.split('/').pop()!;
    await sesame.sesame.db.deleteFrom('oidc_models').where('model', '=', 'Interaction').where('id', '=', uid).execute();
    const expired = await agent.request(url);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('This sign-in page has expired or was already used');
    const submitted = await agent.request(form.action, { form: { ...form.fields, login: 'a', password: 'b' } });
    expect(submitted.status).toBe(400);
  });

  it('sign-in fields with NUL or invalid characters give the generic failure, not a 500', async () => {
    const { agent, form } = await openSignIn();
    for (const login of ['a\u0000b', '\u0000', '\ud800', '%ff']) {
      const res = await agent.request(form.action, { form: { ...form.fields, login, password: 'p\u0000ssword' } });
      expect(res.status, JSON.stringify(login)).toBe(200);
      expect(await res.text()).toContain('The username, email or password is incorrect.');
    }
  });
});

describe('security headers', () => {
  it('pages and API answers carry X-Frame-Options DENY and frame-ancestors none', async () => {
    const { response, url } = await new UserAgent(sesame.url).follow(authUrl());
    expect(url).toContain('/interaction/');
    const responses = [
      response,
      await fetch(`${sesame.url}/interaction/unknown`),
      await fetch(authUrl({ client_id: 'no-such-client' }), { redirect: 'manual' }),
      await fetch(`${sesame.url}/oidc/session/end`),
      await fetch(`${sesame.url}/.well-known/openid-configuration`),
      await fetch(`${sesame.url}/oidc/jwks`),
      // Answered by oidc-provider directly, outside Sesame's Koa stack (src/app.ts).
      await fetch(`${sesame.url}/oidc/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) }),
      await fetch(`${sesame.url}/oidc/me`),
      await fetch(`${sesame.url}/oidc/token/introspection`, { method: 'POST' }),
      await fetch(`${sesame.url}/oidc/jwks?x=1`),
      await fetch(`${sesame.url}/healthz`),
      await fetch(`${sesame.url}/no/such/page`),
    ];
    for (const res of responses) {
      expect(res.status, res.url).toBeLessThan(500);
      expect(res.headers.get('x-frame-options'), res.url).toBe('DENY');
      expect(res.headers.get('content-security-policy'), res.url).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      await res.arrayBuffer();
    }
  });
});

describe('configuration errors stop start-up with a message naming the variable', () => {
  const dataDir = () => ({ SESAME_DATA_DIR: sesame.database.dataDir });

  /** What start-up says before anything else happens: the configuration read, then the master secret resolved. */
  async function configError(env: Record<string, string>): Promise<ConfigError> {
    try {
      resolveMasterSecret(loadConfig({ ...dataDir(), ...env }));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error(`${JSON.stringify(env)} was accepted`);
  }

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ SESAME_ISSUER: 'https://id.example.com/sesame' }, 'SESAME_ISSUER'],
    [{ SESAME_ISSUER: 'not a url' }, 'SESAME_ISSUER'],
    [{ SESAME_ISSUER: 'https://id.example.com?x=1' }, 'SESAME_ISSUER'],
    [{ DATABASE_URL: 'postgres://127.0.0.1:1/none' }, 'SESAME_SECRET'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SESAME_SECRET: 'short' }, 'SESAME_SECRET'],
    [{ SESAME_LOG_LEVEL: 'loud' }, 'SESAME_LOG_LEVEL'],
  ])('%o names %s', async (env, variable) => {
    const { message } = await configError(env);
    expect(message).toContain(variable);
    expect(message).not.toMatch(/\n\s+at .+:\d+:\d+/);
    // Start-up itself stops on it, before opening anything.
    const start = async () => startSesame(loadConfig({ ...dataDir(), PORT: '0', ...env }), createLogger('silent'));
    await expect(start()).rejects.toThrow(variable);
  });

  it('the real process prints the message and exits 78 (EX_CONFIG), with no stack trace', async () => {
    const run = await spawnSesame({ ...dataDir(), PORT: 'eighty' }, 'start');
    expect(run.code).toBe(78);
    expect(`${run.stdout}${run.stderr}`).toContain('PORT');
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

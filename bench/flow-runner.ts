/**
 * Multi-step flows under load: several virtual users, each with its own cookie jar, run a flow again and again
 * against a server on loopback until a time or a count bound is reached. Every step checks its answer, so a flow
 * that went wrong counts as an error rather than as a fast flow.
 *
 *   node bench/flow-runner.ts <base-url> <fixtures.json> <flow> [--vus N] [--seconds S] [--max-flows N]
 *   flows: code (scenario 3), sign-in (4), refresh (5)
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Fixtures } from './fixtures.ts';

interface Response { status: number; headers: http.IncomingHttpHeaders; body: string }

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Cookies by name; one host, so domain and path are not told apart (the newest value of a name wins). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v] = a.trim().split('=');
        if (k!.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k!.toLowerCase() === 'expires') return Date.parse(v!) <= Date.now();
        return false;
      });
      if (expired || !value) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string | undefined {
    if (!this.#cookies.size) return undefined;
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export class FlowError extends Error {}

function request(base: URL, method: string, target: string, options: { jar?: CookieJar; form?: Record<string, string>; auth?: string } = {}): Promise<Response> {
  const url = new URL(target, base);
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string> = { accept: 'text/html,application/json' };
  const cookie = options.jar?.header();
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  if (options.auth) headers.authorization = options.auth;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        options.jar?.store(res.headers['set-cookie']);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new FlowError(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The sign-in form's action and CSRF token, read from the page as a browser would. */
function parseSignInForm(html: string): { action: string; csrf: string } {
  const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf) throw new FlowError('no sign-in form on the interaction page');
  return { action: action.replaceAll('&amp;', '&'), csrf };
}

export interface Tokens { access_token: string; refresh_token?: string; id_token?: string }

export interface AuthorizeOptions { scope: string; prompt?: string; expectInteraction: boolean }

/**
 * authorize → (sign-in form → POST) → code → token. Redirects are followed on the server; the one to the app's
 * redirect URI ends the browser part. `expectInteraction` says whether the server must (or must not) send the browser to an interaction (sign-in
 * page; the baseline's finishes at once).
 */
export async function authorizationCodeFlow(base: URL, fx: Fixtures, jar: CookieJar, options: AuthorizeOptions): Promise<Tokens> {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    client_id: fx.web.clientId, redirect_uri: fx.web.redirectUri, response_type: 'code', scope: options.scope,
    state, nonce: randomBytes(8).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256',
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  let response = await request(base, 'GET', `/oidc/auth?${query}`, { jar });
  let sawForm = false;
  let sawInteraction = false;
  for (let hops = 0; hops < 10; hops++) {
    if (response.status >= 300 && response.status < 400) {
      const location = String(response.headers.location);
      if (location.startsWith(fx.web.redirectUri)) {
        const params = new URL(location).searchParams;
        if (params.get('error')) throw new FlowError(`authorization error ${params.get('error')}: ${params.get('error_description')}`);
        if (params.get('state') !== state) throw new FlowError('state mismatch');
        if (options.expectInteraction !== sawInteraction) throw new FlowError(sawInteraction ? 'sign-in asked for with a live session' : 'no sign-in asked for');
        return exchangeCode(base, fx, params.get('code')!, verifier);
      }
      if (location.includes('/interaction/')) sawInteraction = true;
      response = await request(base, 'GET', location, { jar });
    } else if (response.status === 200 && !sawForm) {
      sawForm = true;
      const form = parseSignInForm(response.body);
      response = await request(base, 'POST', form.action, { jar, form: { csrf: form.csrf, login: fx.user.login, password: fx.user.password } });
    } else {
      throw new FlowError(`unexpected ${response.status} during authorization: ${response.body.slice(0, 200)}`);
    }
  }
  throw new FlowError('too many redirects');
}

async function tokenRequest(base: URL, fx: Fixtures, form: Record<string, string>): Promise<Tokens> {
  const response = await request(base, 'POST', '/oidc/token', { form, auth: basic(fx.web.clientId, fx.web.clientSecret) });
  if (response.status !== 200) throw new FlowError(`token endpoint answered ${response.status}: ${response.body.slice(0, 200)}`);
  const tokens = JSON.parse(response.body) as Tokens;
  if (!tokens.access_token) throw new FlowError('no access token');
  return tokens;
}

function exchangeCode(base: URL, fx: Fixtures, code: string, verifier: string): Promise<Tokens> {
  return tokenRequest(base, fx, { grant_type: 'authorization_code', code, redirect_uri: fx.web.redirectUri, code_verifier: verifier });
}

export async function refreshFlow(base: URL, fx: Fixtures, refreshToken: string): Promise<Tokens> {
  const tokens = await tokenRequest(base, fx, { grant_type: 'refresh_token', refresh_token: refreshToken });
  if (!tokens.refresh_token || tokens.refresh_token === refreshToken) throw new FlowError('refresh token was not rotated');
  return tokens;
}

/** A signed-in browser: a cookie jar holding a session, and the tokens of its first sign-in. */
export async function signedInUser(base: URL, fx: Fixtures, scope = 'openid profile email'): Promise<{ jar: CookieJar; tokens: Tokens }> {
  const jar = new CookieJar();
  const tokens = await authorizationCodeFlow(base, fx, jar, { scope, prompt: scope.includes('offline_access') ? 'consent' : undefined, expectInteraction: true });
  return { jar, tokens };
}

export type FlowName = 'code' | 'sign-in' | 'refresh';

export interface FlowResult {
  flows: number;
  /** Flows finished during the warm-up (not measured). */
  warmupFlows: number;
  errors: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Per virtual user: set up once (not measured), then one measured flow after another. */
async function virtualUser(base: URL, fx: Fixtures, flow: FlowName): Promise<() => Promise<void>> {
  if (flow === 'sign-in') {
    return async () => { await authorizationCodeFlow(base, fx, new CookieJar(), { scope: 'openid profile email', expectInteraction: true }); };
  }
  if (flow === 'code') {
    const { jar } = await signedInUser(base, fx);
    return async () => { await authorizationCodeFlow(base, fx, jar, { scope: 'openid profile email', expectInteraction: false }); };
  }
  const { tokens } = await signedInUser(base, fx, 'openid profile email offline_access');
  if (!tokens.refresh_token) throw new FlowError('no refresh token issued for offline_access');
  let refreshToken = tokens.refresh_token;
  return async () => { refreshToken = (await refreshFlow(base, fx, refreshToken)).refresh_token!; };
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

/** Runs `flow` with `vus` virtual users for `seconds` (after `warmupSeconds` unmeasured), at most `maxFlows` flows. */
export async function runFlows(baseUrl: string, fx: Fixtures, flow: FlowName, options: { vus: number; seconds: number; warmupSeconds: number; maxFlows: number; onMeasure?: (phase: 'start' | 'end') => void }): Promise<FlowResult> {
  const base = new URL(baseUrl);
  const users = await Promise.all(Array.from({ length: options.vus }, () => virtualUser(base, fx, flow)));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  let warmupFlows = 0;
  const warmupEnd = performance.now() + options.warmupSeconds * 1000;
  let measureStart = 0;
  let deadline = 0;

  await Promise.all(users.map(async (runOnce) => {
    // Warm-up: the same flows, not counted.
    while (performance.now() < warmupEnd) {
      await runOnce().catch(() => {});
      warmupFlows++;
    }
    if (!measureStart) {
      options.onMeasure?.('start');
      measureStart = performance.now();
      deadline = measureStart + options.seconds * 1000;
    }
    while (performance.now() < deadline && started < options.maxFlows) {
      started++;
      const t0 = performance.now();
      try {
        await runOnce();
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  }));
  options.onMeasure?.('end');
  const seconds = (performance.now() - measureStart) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    flows: latencies.length,
    warmupFlows,
    errors,
    firstError,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds),
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
  };
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { vus: { type: 'string', default: '8' }, seconds: { type: 'string', default: '10' }, 'max-flows': { type: 'string', default: '100000' } },
  });
  const [baseUrl, fixturesPath, flow] = positionals;
  const fx = JSON.parse(readFileSync(fixturesPath!, 'utf8')) as Fixtures;
  const result = await runFlows(baseUrl!, fx, flow as FlowName, { vus: Number(values.vus), seconds: Number(values.seconds), warmupSeconds: 1, maxFlows: Number(values['max-flows']) });
  console.log(JSON.stringify(result, null, 2));
  agent.destroy();
}

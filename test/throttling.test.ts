import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../src/console/setup.service.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { isSignInPage, parseForm, UserAgent } from './support/user-agent.ts';

/**
 * Throttling (issue 10 §2): growing delays per account and IP, a lock per account that a device cookie gets past,
 * per-IP caps, the token endpoint, the setup link and sign-up; what a person reads; what admins see and clear.
 * Small limits come from the config; `SESAME_TRUST_PROXY` lets a test speak from many IPs through X-Forwarded-For.
 */

const limits = {
  SESAME_TRUST_PROXY: 'true',
  SESAME_THROTTLE_FAILURES: '3',
  SESAME_THROTTLE_ACCOUNT_FAILURES: '6',
  SESAME_THROTTLE_DEVICE_FAILURES: '4',
  SESAME_THROTTLE_IP_FAILURES: '8',
  SESAME_THROTTLE_CLIENT_FAILURES: '3',
  SESAME_THROTTLE_SIGN_UPS: '2',
};

let sesame: TestSesame;
let rp: RelyingParty;
let api: ReturnType<typeof apiClient>;
const password = 'correct horse battery staple';

beforeAll(async () => {
  sesame = await startTestSesame(limits);
  const app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
  rp = await relyingParty(sesame, app, 'https://web.example.com/cb');
  api = apiClient(sesame, await managementToken(sesame));
});
afterAll(async () => sesame?.stop());

const alertOf = (page: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1];

interface Outcome { status: number; retryAfter: number | undefined; alert: string | undefined; signedIn: boolean }

/** One sign-in through the real page, from `ip` (X-Forwarded-For), in a browser of its own unless `agent` is given. */
async function attempt(
  server: TestSesame, party: RelyingParty, login: string, secret: string,
  { ip, agent, language = 'en' }: { ip?: string; agent?: UserAgent; language?: string } = {},
): Promise<Outcome> {
  const browser = agent ?? new UserAgent(server.url, { ...(ip ? { 'x-forwarded-for': ip } : {}), 'accept-language': language });
  const request = await authorizationRequest(party, { prompt: 'login' });
  const { response, url } = await browser.follow(request.url.toString());
  const page = await response.text();
  expect(isSignInPage(page), page.slice(0, 200)).toBe(true);
  const form = parseForm(page, url);
  const answer = await browser.follow(form.action, { form: { ...form.fields, login, password: secret } });
  const text = answer.response.status < 300 || answer.response.status >= 400 ? await answer.response.text() : '';
  const retryAfter = answer.response.headers.get('retry-after');
  return {
    status: answer.response.status,
    retryAfter: retryAfter === null ? undefined : Number(retryAfter),
    alert: alertOf(text),
    signedIn: answer.url.startsWith(party.redirectUri) && new URL(answer.url).searchParams.has('code'),
  };
}

const tooMany = (minutes: number) => `Too many attempts. Try again in ${minutes === 1 ? '1 minute' : `${minutes} minutes`}.`;

describe('per account and IP', () => {
  it('makes one IP wait after a few failures, with 429, Retry-After and the page in the person\'s language', async () => {
    const user = await sesame.createUser({ password });
    const ip = '10.1.0.1';
    const first = await attempt(sesame, rp, user.username, 'wrong 1', { ip });
    expect([first.status, first.alert]).toEqual([200, 'The username, email or password is incorrect.']);
    await attempt(sesame, rp, user.username, 'wrong 2', { ip });
    const third = await attempt(sesame, rp, user.username, 'wrong 3', { ip });
    expect(third.status).toBe(429);
    expect(third.retryAfter).toBeGreaterThan(50);
    expect(third.retryAfter).toBeLessThanOrEqual(60);
    expect(third.alert).toBe(tooMany(1));

    // The right password is refused too while the block lasts, and the page says so in French or Japanese.
    const right = await attempt(sesame, rp, user.username, password, { ip, language: 'fr' });
    expect([right.status, right.signedIn]).toEqual([429, false]);
    expect(right.retryAfter).toBeGreaterThan(0);
    expect(right.alert).toBe('Trop de tentatives. Réessayez dans 1 minute.');
    expect((await attempt(sesame, rp, user.username, password, { ip, language: 'ja' })).alert).toBe('試行回数が多すぎます。1 分後にもう一度お試しください。');

    // Another IP is not held back by this one's failures.
    expect((await attempt(sesame, rp, user.username, password, { ip: '10.1.0.2' })).signedIn).toBe(true);
  });

  it('doubles the wait with each failure after a block ends', async () => {
    const user = await sesame.createUser({ password });
    const ip = '10.1.1.1';
    for (const n of [1, 2]) await attempt(sesame, rp, user.username, `wrong ${n}`, { ip });
    expect((await attempt(sesame, rp, user.username, 'wrong 3', { ip })).retryAfter).toBeLessThanOrEqual(60);
    // The minute passes (the block's end moved to now, as time would move it).
    await sesame.sesame.db.updateTable('throttle_blocks').set({ blocked_until: new Date(Date.now() - 1000) }).where('ip', '=', ip).execute();
    const fourth = await attempt(sesame, rp, user.username, 'wrong 4', { ip });
    expect(fourth.status).toBe(429);
    expect(fourth.retryAfter).toBeGreaterThan(60);
    expect(fourth.retryAfter).toBeLessThanOrEqual(120);
    expect(fourth.alert).toBe(tooMany(2));
  });

  it('starts again from zero after the right password, deleting the block that ended', async () => {
    const user = await sesame.createUser({ password });
    const ip = '10.1.2.1';
    for (const n of [1, 2]) await attempt(sesame, rp, user.username, `wrong ${n}`, { ip });
    expect((await attempt(sesame, rp, user.username, 'wrong 3', { ip })).status).toBe(429);
    await sesame.sesame.db.updateTable('throttle_blocks').set({ blocked_until: new Date(Date.now() - 1000) }).where('ip', '=', ip).execute();
    expect((await attempt(sesame, rp, user.username, password, { ip })).signedIn).toBe(true);
    expect(await sesame.sesame.db.selectFrom('throttle_blocks').select('key').where('ip', '=', ip).where('policy', '=', 'account_ip').execute()).toEqual([]);
    // Two typos again are two, not the fourth and fifth failure.
    for (const n of [4, 5]) expect((await attempt(sesame, rp, user.username, `wrong ${n}`, { ip })).status).toBe(200);
  });

  it('throttles an unknown account exactly like a real one', async () => {
    const user = await sesame.createUser({ password });
    const real: Outcome[] = [];
    const unknown: Outcome[] = [];
    for (let n = 1; n <= 4; n++) {
      real.push(await attempt(sesame, rp, user.username, `wrong ${n}`, { ip: '10.1.2.1' }));
      unknown.push(await attempt(sesame, rp, `nobody-${user.username}`, `wrong ${n}`, { ip: '10.1.2.2' }));
    }
    expect(real.map((o) => o.status)).toEqual([200, 200, 429, 429]);
    const shape = (o: Outcome) => [o.status, o.alert, o.retryAfter === undefined ? undefined : Math.ceil(o.retryAfter / 60)];
    expect(unknown.map(shape)).toEqual(real.map(shape));
  });

  it('answers a suspended account alike with the right password and a wrong one', async () => {
    const user = await sesame.createUser({ password });
    await sesame.sesame.db.updateTable('users').set({ suspended: true }).where('id', '=', user.id).execute();
    const right = await attempt(sesame, rp, user.username, password, { ip: '10.1.3.1' });
    const wrong = await attempt(sesame, rp, user.username, 'not the password', { ip: '10.1.3.2' });
    expect(right.signedIn).toBe(false);
    expect([right.status, right.alert]).toEqual([wrong.status, wrong.alert]);
    expect(right.alert).toBe('The username, email or password is incorrect.');
  });
});

describe('client IP', () => {
  it('takes only the address the nearest proxy added to X-Forwarded-For', async () => {
    const user = await sesame.createUser({ password });
    // The client writes whatever it likes before the proxy's entry; the last entry stays the same.
    const outcomes = [];
    for (let n = 1; n <= 3; n++) outcomes.push(await attempt(sesame, rp, user.username, `wrong ${n}`, { ip: `198.51.100.${n}, 10.2.0.1` }));
    expect(outcomes.map((o) => o.status)).toEqual([200, 200, 429]);
    const audit = await sesame.sesame.db.selectFrom('audit_events').select('ip').where('type', '=', 'sign_in.failed').where('user_id', '=', user.id).execute();
    expect(new Set(audit.map((e) => e.ip))).toEqual(new Set(['10.2.0.1']));
  });

  it('ignores X-Forwarded-For without SESAME_TRUST_PROXY, and lets 3 typos through with the defaults', { timeout: 240_000 }, async () => {
    const plain = await startTestSesame();
    try {
      const app = await plain.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
      const party = await relyingParty(plain, app, 'https://web.example.com/cb');
      const user = await plain.createUser({ password });
      for (let n = 1; n <= 3; n++) expect((await attempt(plain, party, user.username, `typo ${n}`)).status).toBe(200);
      expect((await attempt(plain, party, user.username, password)).signedIn).toBe(true);

      const target = await plain.createUser({ password });
      const outcomes = [];
      for (let n = 1; n <= 5; n++) outcomes.push(await attempt(plain, party, target.username, `wrong ${n}`, { ip: `203.0.113.${n}` }));
      expect(outcomes.map((o) => o.status)).toEqual([200, 200, 200, 200, 429]);
      const right = await attempt(plain, party, target.username, password, { ip: '203.0.113.77' });
      expect([right.status, right.signedIn]).toEqual([429, false]);
      const audit = await plain.sesame.db.selectFrom('audit_events').select('ip').where('user_id', '=', target.id).execute();
      expect(audit.every((e) => e.ip === '127.0.0.1')).toBe(true);
    } finally {
      await plain.stop();
    }
  });
});

describe('per account across IPs, and the device cookie', () => {
  it('locks the account against a botnet, lets the browser that signed in before through, and audits the lock once', async () => {
    const user = await sesame.createUser({ password });
    const own = new UserAgent(sesame.url, { 'x-forwarded-for': '10.3.0.1' });
    expect((await attempt(sesame, rp, user.username, password, { agent: own })).signedIn).toBe(true);
    const cookie = (await own.jar.getCookies(`${sesame.url}/interaction/x`)).find((c) => c.key === 'sesame.device');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/interaction', secure: false });
    expect((cookie!.expires as Date).getTime()).toBeGreaterThan(Date.now() + 180 * 24 * 3600_000);

    // Six IPs, one guess each: none reaches its own limit, together they lock the account.
    const botnet = [];
    for (let n = 1; n <= 6; n++) botnet.push(await attempt(sesame, rp, user.username, `guess ${n}`, { ip: `10.3.1.${n}` }));
    expect(botnet.map((o) => o.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(botnet.at(-1)!.retryAfter).toBeGreaterThan(3000);
    expect(botnet.at(-1)!.alert).toBe('Too many attempts. Try again in 1 hour.');
    const stranger = await attempt(sesame, rp, user.username, password, { ip: '10.3.2.1' });
    expect([stranger.status, stranger.signedIn]).toEqual([429, false]);

    // The real user's browser still signs in.
    expect((await attempt(sesame, rp, user.username, password, { agent: own })).signedIn).toBe(true);
    const locks = await sesame.sesame.db.selectFrom('audit_events').select(['type', 'details']).where('type', '=', 'account.locked').where('user_id', '=', user.id).execute();
    expect(locks).toHaveLength(1);
    expect(locks[0]!.details).toMatchObject({ policy: 'account', login: user.username });

    // That browser has a limit of its own (4 here), more generous than one IP's (3).
    const tries = [];
    for (let n = 1; n <= 4; n++) tries.push((await attempt(sesame, rp, user.username, `typo ${n}`, { agent: own })).status);
    expect(tries).toEqual([200, 200, 200, 429]);
  });

  it('does not take a device cookie of another account', async () => {
    const mine = await sesame.createUser({ password });
    const victim = await sesame.createUser({ password });
    const attacker = new UserAgent(sesame.url, { 'x-forwarded-for': '10.3.3.1' });
    expect((await attempt(sesame, rp, mine.username, password, { agent: attacker })).signedIn).toBe(true);
    for (let n = 1; n <= 6; n++) await attempt(sesame, rp, victim.username, `guess ${n}`, { ip: `10.3.4.${n}` });
    expect((await attempt(sesame, rp, victim.username, password, { agent: attacker })).status).toBe(429);
  });
});

describe('per IP', () => {
  it('caps failures across many accounts (credential stuffing)', async () => {
    const ip = '10.4.0.1';
    const statuses = [];
    for (let n = 1; n <= 8; n++) statuses.push((await attempt(sesame, rp, `stuffed-${n}@example.com`, 'leaked password', { ip })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
    const user = await sesame.createUser({ password });
    expect((await attempt(sesame, rp, user.username, password, { ip })).status).toBe(429);
    expect((await attempt(sesame, rp, user.username, password, { ip: '10.4.0.2' })).signedIn).toBe(true);
  });

  it('caps self-registrations', async () => {
    expect((await api('PUT', '/api/sign-in-experience', { self_registration: true })).status).toBe(200);
    try {
      const signUp = async (n: number) => {
        const agent = new UserAgent(sesame.url, { 'x-forwarded-for': '10.4.1.1' });
        const request = await authorizationRequest(rp);
        const { url } = await agent.follow(request.url.toString());
        const formUrl = `${sesame.url}/interaction/${new URL(url).pathname.split('/')[2]}/sign-up`;
        const form = parseForm(await (await agent.request(formUrl)).text(), formUrl);
        const response = await agent.request(form.action, { form: { ...form.fields, username: `joiner${n}${Date.now()}`, password } });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), alert: alertOf(response.status === 303 ? '' : await response.text()) };
      };
      expect((await signUp(1)).status).toBe(303);
      expect((await signUp(2)).status).toBe(303);
      const third = await signUp(3);
      expect(third.status).toBe(429);
      expect(Number(third.retryAfter)).toBeGreaterThan(3000);
      expect(third.alert).toBe('Too many attempts. Try again in 1 hour.');
    } finally {
      await api('PUT', '/api/sign-in-experience', { self_registration: false });
    }
  });
});

describe('setup link', () => {
  it('makes one IP wait after a few wrong links, the right one included', async () => {
    const token = (await issueSetupToken(sesame.sesame.db, 3600))!;
    const open = (value: string, ip: string) => new UserAgent(sesame.url, { 'x-forwarded-for': ip }).request(`${sesame.url}/console/setup?token=${value}`);
    const statuses = [];
    for (let n = 1; n <= 3; n++) statuses.push((await open(`${'x'.repeat(40)}${n}`, '10.5.0.1')).status);
    expect(statuses).toEqual([410, 410, 429]);
    const blocked = await open(token, '10.5.0.1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain(tooMany(1));
    expect((await open(token, '10.5.0.2')).status).toBe(200);
  });
});

describe('client authentication', () => {
  const credentials = (id: string, secret: string, endpoint = '/oidc/token', ip = '10.6.0.1', body: Record<string, string> = { grant_type: 'client_credentials' }) =>
    fetch(`${sesame.url}${endpoint}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
      },
      body: new URLSearchParams(body).toString(),
    });

  it('throttles a wrong client_secret per client and IP, and still serves the right secret from another IP', async () => {
    const app = await sesame.createApp({ name: 'Job', type: 'm2m' });
    const statuses = [];
    for (let n = 1; n <= 3; n++) statuses.push((await credentials(app.clientId, `wrong-${n}`)).status);
    expect(statuses).toEqual([401, 401, 401]);

    const blocked = await credentials(app.clientId, app.clientSecret!);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await blocked.json() as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toMatch(/retry after \d+ seconds/);
    const introspection = await credentials(app.clientId, app.clientSecret!, '/oidc/token/introspection', '10.6.0.1', { token: 'x' });
    expect(introspection.status).toBe(429);

    const elsewhere = await credentials(app.clientId, app.clientSecret!, '/oidc/token', '10.6.0.2');
    expect(elsewhere.status).toBe(200);
    expect((await elsewhere.json() as { access_token?: string }).access_token).toBeTruthy();
    const audit = await sesame.sesame.db.selectFrom('audit_events').select('type').where('type', '=', 'client_auth.throttled').where('client_id', '=', app.clientId).execute();
    expect(audit).toHaveLength(1);
  });

  it('throttles an unknown client_id like a real one', async () => {
    const statuses = [];
    for (let n = 1; n <= 4; n++) statuses.push((await credentials('no-such-client', `wrong-${n}`, '/oidc/token/revocation', '10.6.1.1', { token: 'x' })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('admins', () => {
  /** Locks `user` out for browsers without its device cookie, from six IPs of `prefix`. */
  async function lockOut(user: { username: string }, prefix: string) {
    for (let n = 1; n <= 6; n++) await attempt(sesame, rp, user.username, `guess ${n}`, { ip: `${prefix}.${n}` });
    expect((await attempt(sesame, rp, user.username, password, { ip: `${prefix}.99` })).status).toBe(429);
  }

  it('list and lift a lockout through the Management API', async () => {
    const user = await sesame.createUser({ password });
    await lockOut(user, '10.7.0');
    const listed = await api('GET', `/api/lockouts?user_id=${user.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toContainEqual(expect.objectContaining({ policy: 'account', account_key: user.username, user_id: user.id, ip: null }));
    expect((await api('GET', '/api/lockouts')).body.data.length).toBeGreaterThanOrEqual(listed.body.data.length);

    const lifted = await api('DELETE', `/api/users/${user.id}/lockout`);
    expect(lifted.status).toBe(200);
    expect(lifted.body.lifted.map((l: { policy: string }) => l.policy)).toContain('account');
    expect((await api('GET', `/api/lockouts?user_id=${user.id}`)).body.data).toEqual([]);
    expect((await attempt(sesame, rp, user.username, password, { ip: '10.7.0.99' })).signedIn).toBe(true);
    const unlocked = await sesame.sesame.db.selectFrom('audit_events').select('details').where('type', '=', 'account.unlocked').where('user_id', '=', user.id).execute();
    expect(unlocked).toHaveLength(1);
    expect((await api('DELETE', '/api/users/usr_nobody/lockout')).status).toBe(404);
  });

  it('list and lift a lockout through the CLI', async () => {
    const user = await sesame.createUser({ password });
    await lockOut(user, '10.7.1');
    const listed = JSON.parse(await cli('lockouts', 'list', '--user-id', user.id, '--json')) as { policy: string; user_id: string }[];
    expect(listed.map((l) => l.policy)).toContain('account');
    expect(await cli('users', 'unlock', '--id', user.id)).toMatch(new RegExp(`lifted \\d+ block\\(s\\) on ${user.username}`));
    expect((await api('GET', `/api/lockouts?user_id=${user.id}`)).body.data).toEqual([]);
    expect((await attempt(sesame, rp, user.username, password, { ip: '10.7.1.99' })).signedIn).toBe(true);
  }, 240_000);
});

/** The real CLI, as an operator runs it next to the server (through its socket on the embedded database). */
function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...sesame.database.env, ...limits },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`sesame ${args.join(' ')}: ${code} ${stderr}`))));
  });
}

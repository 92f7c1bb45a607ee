/**
 * How many password guesses get through Sesame's throttling with the default limits (`npm run bench:throttle`).
 * Not a timed test: it drives a real server started as `npm start` starts it (its environment and Node flags), on a
 * fresh PostgreSQL database, with `SESAME_TRUST_PROXY=true` so that X-Forwarded-For can play many client IPs.
 *
 * Hours cannot be waited for, so the attacker's clock is simulated: after a 429 it waits exactly the Retry-After
 * the server returned, and the bench makes that much time pass for the server's blocks (every block's end in
 * `throttle_blocks` moves that many seconds earlier, as the clock would move it). Failure counts are remembered for
 * 24 h (SESAME_THROTTLE_MEMORY), so simulated horizons up to 24 h need no shifting of the counters. The guesses that
 * got through are the ones the server checked: its `sign_in.failed` audit events for the login.
 * See bench/README.md ("Throttling").
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createFixtures, type Fixtures } from './fixtures.ts';
import { CookieJar } from './flow-runner.ts';
import { freePort, startCommand, waitUntilUp } from './servers.ts';

const root = path.resolve(import.meta.dirname, '..');
const adminUrl = process.env.SESAME_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';

interface Answer { status: number; retryAfter: number; signedIn: boolean }

/** One sign-in through the real pages from `ip`: authorize → sign-in page → POST the password. */
async function attempt(base: string, fx: Fixtures, login: string, password: string, ip: string): Promise<Answer> {
  const jar = new CookieJar();
  const headers = (extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, accept: 'text/html', ...(jar.header() ? { cookie: jar.header()! } : {}), ...extra });
  const authorize = new URL('/oidc/auth', base);
  for (const [k, v] of Object.entries({
    client_id: fx.web.clientId, redirect_uri: fx.web.redirectUri, response_type: 'code', scope: 'openid',
    state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'),
  })) authorize.searchParams.set(k, v);
  let response = await fetch(authorize, { headers: headers(), redirect: 'manual' });
  jar.store(response.headers.getSetCookie());
  const interaction = new URL(response.headers.get('location')!, base);
  response = await fetch(interaction, { headers: headers() });
  jar.store(response.headers.getSetCookie());
  const page = await response.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!action || !csrf) throw new Error(`no sign-in form (HTTP ${response.status})`);
  response = await fetch(new URL(action.replace(/&amp;/g, '&'), base), {
    method: 'POST', redirect: 'manual',
    headers: headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    body: new URLSearchParams({ csrf, login, password }).toString(),
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: Number(response.headers.get('retry-after') ?? 0), signedIn: response.status === 303 };
}

interface Attack { checked: number; refused: number; requests: number; waits: number[] }

/**
 * An attacker guessing `login` for `horizon` simulated seconds, from `ipFor(n)` for the n-th request, who waits
 * each Retry-After it is given. Returns the guesses the server checked (its audit trail) and the waits it asked for.
 */
async function attack(base: string, fx: Fixtures, db: pg.Client, logins: (n: number) => string, ipFor: (n: number) => string, horizon: number): Promise<Attack> {
  let clock = 0;
  let requests = 0;
  const waits: number[] = [];
  const tried = new Set<string>();
  while (clock < horizon) {
    const login = logins(requests);
    tried.add(login);
    const answer = await attempt(base, fx, login, `guess ${requests}`, ipFor(requests));
    requests++;
    if (answer.signedIn) throw new Error('a guess signed in');
    if (answer.status !== 429) continue;
    waits.push(answer.retryAfter);
    clock += answer.retryAfter;
    // The attacker sleeps Retry-After seconds; the server's blocks see that much time pass.
    await db.query(`UPDATE throttle_blocks SET blocked_until = blocked_until - make_interval(secs => $1)`, [answer.retryAfter]);
  }
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'sign_in.failed' AND details->>'login' = ANY($1)`, [[...tried]]);
  // The failure that starts a block is checked and answered 429 at once; the other 429s were refused unchecked.
  return { checked: rows[0].n, refused: requests - rows[0].n, requests, waits };
}

/** A person who makes `typos` typos then types the right password, from one IP: the time they must wait. */
async function legitimate(base: string, fx: Fixtures, db: pg.Client, typos: number, ip: string): Promise<{ waited: number; wallMs: number }> {
  const started = performance.now();
  let waited = 0;
  for (let n = 0; n < typos; n++) {
    const answer = await attempt(base, fx, fx.user.login, `typo ${n}`, ip);
    if (answer.status === 429) {
      waited += answer.retryAfter;
      await db.query(`UPDATE throttle_blocks SET blocked_until = blocked_until - make_interval(secs => $1)`, [answer.retryAfter]);
    }
  }
  for (;;) {
    const answer = await attempt(base, fx, fx.user.login, fx.user.password, ip);
    if (answer.signedIn) break;
    if (answer.status !== 429) throw new Error(`the right password was answered ${answer.status}`);
    waited += answer.retryAfter;
    await db.query(`UPDATE throttle_blocks SET blocked_until = blocked_until - make_interval(secs => $1)`, [answer.retryAfter]);
  }
  return { waited, wallMs: Math.round(performance.now() - started) };
}

async function reset(db: pg.Client) {
  await db.query('DELETE FROM throttle_blocks');
  await db.query('DELETE FROM throttle_counters');
}

async function main() {
  const name = `sesame_bench_throttle_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const databaseUrl = `${adminUrl}/${name}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const start = startCommand(root);
  const env = {
    ...start.env, PORT: String(port), HOST: '127.0.0.1', SESAME_ISSUER: base, DATABASE_URL: databaseUrl,
    SESAME_SECRET: randomBytes(32).toString('base64url'), SESAME_TRUST_PROXY: 'true', SESAME_LOG_LEVEL: 'warn',
  };
  const fx = await createFixtures(env, base);
  const child = spawn(process.execPath, [...start.flags, 'src/main.ts', 'start'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    await waitUntilUp(base, child);
    await db.connect();
    const run = randomBytes(3).toString('hex');
    const results: Record<string, unknown> = {};
    const t0 = performance.now();

    for (const [label, horizon] of [['hour', 3600], ['day', 24 * 3600]] as const) {
      await reset(db);
      results[`oneIp_${label}`] = await attack(base, fx, db, () => `victim-${run}-1ip-${label}`, () => '198.51.100.7', horizon);
      await reset(db);
      let ip = 0;
      results[`manyIps_${label}`] = await attack(base, fx, db, () => `victim-${run}-botnet-${label}`, () => `10.${(++ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`, horizon);
    }
    await reset(db);
    let account = 0;
    results.stuffingOneIp_hour = await attack(base, fx, db, () => `stuffed-${run}-${++account}@example.com`, () => '198.51.100.9', 3600);
    for (const typos of [3, 5, 6]) {
      await reset(db);
      results[`legitimate_${typos}_typos`] = await legitimate(base, fx, db, typos, `192.0.2.${typos}`);
    }
    const report = {
      machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() },
      database: 'postgresql',
      elapsedSeconds: Math.round((performance.now() - t0) / 1000),
      results,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();

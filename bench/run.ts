/**
 * `npm run bench`: Sesame on the embedded database and on PostgreSQL, and bare oidc-provider as the baseline, each
 * as its own process, under the same load from this process (loopback only, bounded in time and count).
 * Writes bench/results/*.json and *.md and the results section of bench/README.md. See bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { argon2Options } from '../src/users/password.ts';
import { createFixtures, type Fixtures } from './fixtures.ts';
import { runFlows, signedInUser, type FlowName } from './flow-runner.ts';
import { explainHotQueries, type ExplainedQuery } from './explain.ts';
import { largeDatabaseName } from './seed.ts';
import { renderReport, type Report } from './report.ts';
import { freePort, startCommand, waitUntilUp } from './servers.ts';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    vus: { type: 'string', default: '8' },
    'sign-in-vus': { type: 'string', default: '8' },
    'max-requests': { type: 'string', default: '1000000' },
    targets: { type: 'string', default: 'baseline,pglite,postgres' },
    scenarios: { type: 'string', default: '1a,1b,2,3,4,5,6,7' },
    large: { type: 'boolean', default: process.env.SESAME_BENCH_LARGE === '1' },
    'cpu-prof': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    'no-readme': { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
  },
});

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const adminUrl = process.env.SESAME_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
// How `npm start` runs Sesame; `--node-flags` replaces its Node flags, to compare.
const sesameStart = startCommand(root, opts['node-flags']);
const sesameNodeFlags = sesameStart.flags;
const seconds = Number(opts.seconds);
const warmup = Number(opts.warmup);
const wanted = new Set(opts.scenarios.split(','));

export type TargetName = 'baseline' | 'pglite' | 'postgres' | 'postgres-large';

export interface ScenarioResult {
  id: string;
  name: string;
  unit: 'req' | 'flow';
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  total: number;
  peakRssMb: number;
}

export interface TargetResult {
  target: TargetName;
  scenarios: ScenarioResult[];
  /** VmHWM of the server process when it stopped: its peak RSS over the whole run. */
  vmHwmMb: number;
}

export const scenarioNames: Record<string, string> = {
  '1a': 'discovery',
  '1b': 'JWKS',
  '2': 'client credentials, API resource (JWT)',
  '3': 'auth code + PKCE, existing session',
  '4': 'full sign-in with password',
  '5': 'refresh token rotation',
  '6': 'introspection',
  '7': 'userinfo',
};

// ---- machine, hashing ----

function machine() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpu,
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** argon2id with Sesame's own parameters: hashes per second on one core, and with every core busy. */
async function hashCost() {
  const measure = async (parallel: number, ms: number) => {
    let done = 0;
    const end = performance.now() + ms;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (performance.now() < end) {
        await hash(`password ${done}`, argon2Options);
        done++;
      }
    }));
    return done / ((performance.now() - t0) / 1000);
  };
  await measure(1, 300);
  const perCore = await measure(1, 3000);
  const allCores = await measure(os.availableParallelism(), 3000);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { params: argon2Options, msPerHash: round(1000 / perCore), perCore: round(perCore), allCores: round(allCores), cores: os.availableParallelism() };
}

// ---- servers ----

function startProcess(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const log = createWriteStream(path.join(resultsDir, `${name}.log`));
  const profile = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profiles', name)}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples the server's RSS while `work` runs; returns its result and the peak in MB. */
async function withRssPeak<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = readStatusKb(pid, 'VmRSS');
  const timer = setInterval(() => { peak = Math.max(peak, readStatusKb(pid, 'VmRSS')); }, 100);
  try {
    const result = await work();
    return { result, peakRssMb: Math.round(peak / 1024) };
  } finally {
    clearInterval(timer);
  }
}

// ---- load ----

interface SingleRequest { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string; check: (status: number, body: string) => boolean }

async function checkOnce(base: string, r: SingleRequest, what: string): Promise<void> {
  const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!r.check(res.status, text)) throw new Error(`${what}: unexpected answer ${res.status} ${text.slice(0, 300)}`);
}

async function cannon(base: string, r: SingleRequest, duration: number) {
  return autocannon({
    url: `${base}${r.path}`,
    method: r.method,
    headers: r.headers,
    body: r.body,
    connections: Number(opts.connections),
    duration,
    maxOverallRequests: Number(opts['max-requests']),
  });
}

async function singleScenario(base: string, pid: number, id: string, r: SingleRequest): Promise<ScenarioResult> {
  await checkOnce(base, r, `scenario ${id}`);
  if (warmup > 0) await cannon(base, r, warmup);
  const { result, peakRssMb } = await withRssPeak(pid, () => cannon(base, r, seconds));
  const errors = result.errors + result.timeouts + result.non2xx;
  const measured = result.requests.total;
  return {
    id, name: scenarioNames[id]!, unit: 'req',
    perSecond: Math.round((measured / (result.duration || seconds)) * 10) / 10,
    p50: result.latency.p50, p99: result.latency.p99,
    errors, firstError: errors ? `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts` : undefined,
    total: measured, peakRssMb,
  };
}

async function flowScenario(base: string, pid: number, fx: Fixtures, id: string, flow: FlowName, vus: number): Promise<ScenarioResult> {
  const { result, peakRssMb } = await withRssPeak(pid, () => runFlows(base, fx, flow, { vus, seconds, warmupSeconds: warmup, maxFlows: Number(opts['max-requests']) }));
  return {
    id, name: scenarioNames[id]!, unit: 'flow', perSecond: result.perSecond, p50: result.p50, p99: result.p99,
    errors: result.errors, firstError: result.firstError, total: result.flows, peakRssMb,
  };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function runScenarios(target: TargetName, base: string, pid: number, fx: Fixtures, ids: string[]): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const run = async (id: string, work: () => Promise<ScenarioResult>) => {
    if (!wanted.has(id) || !ids.includes(id)) return;
    process.stdout.write(`  ${target} ${id} ${scenarioNames[id]} … `);
    const result = await work();
    results.push(result);
    console.log(`${result.perSecond}/s p50 ${result.p50} ms p99 ${result.p99} ms errors ${result.errors} rss ${result.peakRssMb} MB${result.firstError ? ` (${result.firstError})` : ''}`);
  };
  await run('1a', () => singleScenario(base, pid, '1a', { method: 'GET', path: '/.well-known/openid-configuration', check: (s, b) => s === 200 && b.includes('"issuer"') }));
  await run('1b', () => singleScenario(base, pid, '1b', { method: 'GET', path: '/oidc/jwks', check: (s, b) => s === 200 && b.includes('"keys"') }));
  await run('2', () => singleScenario(base, pid, '2', {
    method: 'POST', path: '/oidc/token',
    headers: { ...form, authorization: basic(fx.m2m.clientId, fx.m2m.clientSecret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: fx.resource.indicator, scope: fx.resource.scope }).toString(),
    check: (s, b) => s === 200 && JSON.parse(b).access_token?.split('.').length === 3 && JSON.parse(b).scope === fx.resource.scope,
  }));
  await run('3', () => flowScenario(base, pid, fx, '3', 'code', Number(opts.vus)));
  await run('4', () => flowScenario(base, pid, fx, '4', 'sign-in', Number(opts['sign-in-vus'])));
  await run('5', () => flowScenario(base, pid, fx, '5', 'refresh', Number(opts.vus)));
  if (['6', '7'].some((id) => wanted.has(id) && ids.includes(id))) {
    const { tokens } = await signedInUser(new URL(base), fx);
    await run('6', () => singleScenario(base, pid, '6', {
      method: 'POST', path: '/oidc/token/introspection',
      headers: { ...form, authorization: basic(fx.web.clientId, fx.web.clientSecret) },
      body: new URLSearchParams({ token: tokens.access_token }).toString(),
      check: (s, b) => s === 200 && JSON.parse(b).active === true,
    }));
    await run('7', () => singleScenario(base, pid, '7', {
      method: 'GET', path: '/oidc/me', headers: { authorization: `Bearer ${tokens.access_token}` },
      check: (s, b) => s === 200 && JSON.parse(b).sub === fx.user.id,
    }));
  }
  return results;
}

// ---- targets ----

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function runSesame(target: TargetName, env: Record<string, string>, ids: string[]): Promise<{ result: TargetResult; fixtures: Fixtures }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const fullEnv = { ...sesameStart.env, ...env, PORT: String(port), HOST: '127.0.0.1', SESAME_ISSUER: issuer, SESAME_LOG_LEVEL: opts['log-level'] };
  const fixtures = await createFixtures(fullEnv, issuer);
  const child = startProcess(`sesame-${target}`, [...sesameNodeFlags, 'src/main.ts', 'start'], fullEnv);
  try {
    await waitUntilUp(issuer, child);
    const scenarios = await runScenarios(target, issuer, child.pid!, fixtures, ids);
    const vmHwmMb = Math.round(readStatusKb(child.pid!, 'VmHWM') / 1024);
    return { result: { target, scenarios, vmHwmMb }, fixtures };
  } finally {
    await stopProcess(child);
  }
}

async function runBaseline(fixtures: Fixtures, ids: string[]): Promise<TargetResult> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const fixturesPath = path.join(resultsDir, 'fixtures-baseline.json');
  writeFileSync(fixturesPath, JSON.stringify({ ...fixtures, issuer: base }, null, 2));
  const child = startProcess('baseline', ['bench/baseline-server.ts', fixturesPath, String(port)], {});
  try {
    await waitUntilUp(base, child);
    const scenarios = await runScenarios('baseline', base, child.pid!, fixtures, ids);
    return { target: 'baseline', scenarios, vmHwmMb: Math.round(readStatusKb(child.pid!, 'VmHWM') / 1024) };
  } finally {
    await stopProcess(child);
  }
}

async function main() {
  const startedAt = performance.now();
  const targets = opts.targets.split(',') as TargetName[];
  const info = machine();
  console.log(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, load ${info.loadAverage.join(' ')}`);
  process.stdout.write('argon2id cost … ');
  const hashing = await hashCost();
  console.log(`${hashing.msPerHash} ms per hash, ${hashing.perCore}/s per core, ${hashing.allCores}/s on ${hashing.cores} cores`);

  const all = ['1a', '1b', '2', '3', '4', '5', '6', '7'];
  const results: TargetResult[] = [];
  let fixtures: Fixtures | undefined;

  if (targets.includes('pglite')) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
    try {
      console.log('Sesame on the embedded database (PGlite)');
      const run = await runSesame('pglite', { SESAME_DATA_DIR: dataDir }, all);
      results.push(run.result);
      fixtures = run.fixtures;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (targets.includes('postgres')) {
    const name = `sesame_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
    try {
      console.log(`Sesame on PostgreSQL (database ${name}, dropped afterwards)`);
      const run = await runSesame('postgres', { DATABASE_URL: `${adminUrl}/${name}`, SESAME_SECRET: randomBytes(32).toString('base64url') }, all);
      results.push(run.result);
      fixtures = run.fixtures;
    } finally {
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  }
  if (targets.includes('baseline')) {
    console.log('baseline: bare oidc-provider, in-memory adapter');
    // The baseline takes the clients of the last Sesame run (the same ids, secrets and redirect URIs).
    fixtures ??= {
      issuer: '', user: { id: 'bench-user', login: 'bench', password: 'bench password' },
      web: { clientId: 'bench-web', clientSecret: randomBytes(32).toString('base64url'), redirectUri: 'http://127.0.0.1/bench/callback' },
      m2m: { clientId: 'bench-m2m', clientSecret: randomBytes(32).toString('base64url') },
      resource: { indicator: 'https://api.bench.example/baseline', scope: 'read:things' },
    };
    results.push(await runBaseline(fixtures, all));
  }

  let explained: { before?: ExplainedQuery[] } = {};
  let seedInfo: Report['seed'];
  let largeError: string | undefined;
  if (opts.large) {
    const url = `${adminUrl}/${largeDatabaseName}`;
    const exists = await withAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [largeDatabaseName])).rowCount);
    if (!exists) throw new Error(`--large needs the seeded database ${largeDatabaseName}: run npm run bench:seed first`);
    const seedFile = path.join(resultsDir, 'seed.json');
    seedInfo = existsSync(seedFile) ? JSON.parse(readFileSync(seedFile, 'utf8')) as Report['seed'] : undefined;
    const secret = readSeedSecret();
    console.log(`Sesame on PostgreSQL with large data (${largeDatabaseName})`);
    try {
      const run = await runSesame('postgres-large', { DATABASE_URL: url, SESAME_SECRET: secret }, ['3', '4', '5', '6', '7']);
      results.push(run.result);
      console.log('EXPLAIN (ANALYZE) of the hot queries on the large database');
      explained = { before: await explainHotQueries(url, run.fixtures) };
    } catch (error) {
      // The small-data figures are still worth writing down.
      console.error(`large-data run failed: ${(error as Error).message}`);
      largeError = (error as Error).message;
    }
  }

  const report = { machine: info, hashing, options: opts, sesameNodeFlags, seconds, results, explain: explained.before, seed: seedInfo, largeError, wallSeconds: Math.round((performance.now() - startedAt) / 1000) };
  const stamp = info.date.replace(/[:.]/g, '-');
  writeFileSync(path.join(resultsDir, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2));
  const markdown = renderReport(report);
  writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  if (!opts['no-readme']) updateReadme(markdown);
  console.log(`\n${markdown}\nwritten: bench/results/latest.json, bench/results/latest.md${opts['no-readme'] ? '' : ', bench/README.md'} (${report.wallSeconds} s)`);
}

function readSeedSecret(): string {
  const file = path.join(resultsDir, 'seed-secret');
  if (!existsSync(file)) throw new Error('bench/results/seed-secret is missing: run npm run bench:seed again');
  return readFileSync(file, 'utf8').trim();
}

const startMarker = '<!-- bench:results:start -->';
const endMarker = '<!-- bench:results:end -->';

function updateReadme(markdown: string): void {
  const file = path.join(root, 'bench', 'README.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const section = `${startMarker}\n${markdown}\n${endMarker}`;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  writeFileSync(file, start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end + endMarker.length) : `${text}\n${section}\n`);
}

await main();
process.exit(0);

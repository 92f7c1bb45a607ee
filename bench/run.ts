/**
 * `npm run bench`: Sesame on the embedded database and on PostgreSQL, and bare oidc-provider as the baseline (in
 * memory, and on PostgreSQL through a plain adapter), each as its own process, under the same load from this
 * process (loopback only, bounded in time and count). Every server is started first; then each scenario runs on
 * each server in turn (A, B, C, A, B, C), so the machine's drift during a run does not bias the ratios. Writes
 * bench/results/*.json and *.md and the results section of bench/README.md. See bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { renderReport, type FirstStart, type Report } from './report.ts';
import { freePort, startCommand, waitUntilUp } from './servers.ts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '10,32' },
    'max-requests': { type: 'string', default: '1000000' },
    targets: { type: 'string', default: 'baseline,baseline-postgres,postgres,pglite' },
    scenarios: { type: 'string' },
    large: { type: 'boolean', default: process.env.SESAME_BENCH_LARGE === '1' },
    'cpu-prof': { type: 'boolean', default: false },
    'log-level': { type: 'string' },
    'no-readme': { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
  },
});

// --quick: one round of the scenarios the targets are about, 5 s each (about 6 minutes); the full run: two rounds
// of every scenario, 10 s each (about 25 minutes).
const quick = opts.quick;
const seconds = Number(opts.seconds ?? (quick ? 5 : 10));
const warmup = Number(opts.warmup ?? (quick ? 1 : 2));
const rounds = Number(opts.rounds ?? (quick ? 1 : 2));
const connectionLevels = opts.connections.split(',').map(Number);
const wanted = (opts.scenarios ?? (quick ? '2,2b,3,4,5,6,7' : '1a,1b,2,2b,3,4,5,6,7')).split(',');

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const adminUrl = process.env.SESAME_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
// How `npm start` runs Sesame (its environment and Node flags); `--node-flags` replaces the flags, to compare.
const sesameStart = startCommand(root, opts['node-flags']);
const sesameNodeFlags = sesameStart.flags;

export type TargetName = 'baseline' | 'baseline-postgres' | 'pglite' | 'postgres' | 'postgres-large';

export interface ScenarioResult {
  id: string;
  name: string;
  unit: 'req' | 'flow';
  connections: number;
  /** Mean over the rounds; each round's figure is in `rounds`. */
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  total: number;
  peakRssMb: number;
  /** The server process's CPU time per request or flow, in ms (the PostgreSQL server's own is not in it). */
  cpuMsPer: number;
  /** The CPU time of the PostgreSQL server processes serving it, per request or flow (PostgreSQL targets). */
  dbCpuMsPer?: number;
  rounds: number[];
}

export interface TargetResult {
  target: TargetName;
  scenarios: ScenarioResult[];
  /** VmHWM once started and idle: the start-up peak. */
  startHwmMb: number;
  /** VmHWM when the run ended: the server's peak RSS over the whole run. */
  vmHwmMb: number;
  startSeconds: number;
}

export const scenarioNames: Record<string, string> = {
  '1a': 'discovery',
  '1b': 'JWKS',
  '2': 'client credentials, API resource (JWT)',
  '2b': 'client credentials, opaque token (stored)',
  '3': 'auth code + PKCE, existing session',
  '4': 'full sign-in with password',
  '5': 'refresh token rotation',
  '6': 'introspection',
  '7': 'userinfo',
};
// Written out: integer-like keys would come first in Object.keys.
const scenarioOrder = ['1a', '1b', '2', '2b', '3', '4', '5', '6', '7'];

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

/** The server writes its log straight to a file: the load generator (this process) does not carry it. */
function startProcess(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const log = openSync(path.join(resultsDir, `${name}.log`), 'w');
  const profile = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profiles', name)}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  closeSync(log);
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

/**
 * The fields of `/proc/<pid>/stat` from the third on (proc(5): state, parent pid, …): what follows the command in
 * parentheses, which may itself hold any character. Throws when the process is gone.
 */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** CPU time (user + system) the process has used, in ms: what a request costs, whatever else loads the machine. */
function cpuMs(pid: number): number {
  try {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 of proc(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

const dbAdmin = new pg.Pool({ connectionString: `${adminUrl}/postgres`, max: 1 });

/**
 * CPU time (ms) of the PostgreSQL server processes serving `database` (this machine's PostgreSQL), keyed by pid, so
 * a scenario's share is the growth of the processes alive at both ends.
 */
async function databaseCpu(database: string | undefined): Promise<Map<number, number>> {
  if (!database) return new Map();
  const { rows } = await dbAdmin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  return new Map(rows.map((row) => [row.pid, cpuMs(row.pid)]));
}

function cpuGrowth(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/** Samples the server's RSS while `work` runs; returns its result, the peak in MB and the CPU time it used. */
async function withRssPeak<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number; cpuMs: number }> {
  let peak = readStatusKb(pid, 'VmRSS');
  const cpuBefore = cpuMs(pid);
  const timer = setInterval(() => { peak = Math.max(peak, readStatusKb(pid, 'VmRSS')); }, 100);
  try {
    const result = await work();
    return { result, peakRssMb: Math.round(peak / 1024), cpuMs: cpuMs(pid) - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}

interface Server {
  target: TargetName;
  base: string;
  child: ChildProcess;
  fixtures: Fixtures;
  startSeconds: number;
  startHwmMb: number;
  /** An opaque access token of the signed-in user, for introspection and userinfo. */
  accessToken?: string;
  /** The PostgreSQL database it runs on, whose server processes' CPU time is measured too. */
  database?: string;
  /** VmHWM just before it was stopped. */
  stopHwmMb?: number;
  cleanUp: () => Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Where a Sesame server is to listen, and the environment of `npm start` it gets with `env`: the log level is
 * Sesame's default unless --log-level says otherwise.
 */
async function sesameListening(env: Record<string, string>): Promise<{ issuer: string; env: Record<string, string> }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const fullEnv: Record<string, string> = { ...sesameStart.env, ...env, PORT: String(port), HOST: '127.0.0.1', SESAME_ISSUER: issuer };
  if (opts['log-level']) fullEnv.SESAME_LOG_LEVEL = opts['log-level'];
  return { issuer, env: fullEnv };
}

/** `src/main.ts start` as `npm start` runs it, once it answers: its process, the seconds that took, and its VmHWM then. */
async function launchSesame(
  name: string, issuer: string, env: Record<string, string>, onSpawn?: (pid: number) => void,
): Promise<{ child: ChildProcess; seconds: number; hwmMb: number }> {
  const t0 = performance.now();
  const child = startProcess(name, [...sesameNodeFlags, 'src/main.ts', 'start'], env);
  onSpawn?.(child.pid!);
  await waitUntilUp(issuer, child).catch(async (error: unknown) => {
    await stopProcess(child);
    throw error;
  });
  return { child, seconds: Math.round((performance.now() - t0) / 100) / 10, hwmMb: Math.round(readStatusKb(child.pid!, 'VmHWM') / 1024) };
}

async function startSesame(target: TargetName, env: Record<string, string>, cleanUp: () => Promise<void>, database?: string): Promise<Server> {
  const listening = await sesameListening(env);
  const fixtures = await createFixtures(listening.env, listening.issuer);
  const { child, seconds, hwmMb } = await launchSesame(`sesame-${target}`, listening.issuer, listening.env);
  return { target, base: listening.issuer, child, fixtures, startSeconds: seconds, startHwmMb: hwmMb, cleanUp, database };
}

async function startPglite(): Promise<Server> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
  return startSesame('pglite', { SESAME_DATA_DIR: dataDir }, async () => rmSync(dataDir, { recursive: true, force: true }));
}

/**
 * A new installation's first `npm start`: Sesame on an empty data folder, which creates its embedded database before
 * it serves (the PGlite server above opens one its fixtures created). Time until discovery answers, and VmHWM then.
 */
async function measureFirstStart(): Promise<FirstStart> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-first-'));
  const children = watchChildrenPeak();
  try {
    const listening = await sesameListening({ SESAME_DATA_DIR: dataDir });
    const { child, seconds, hwmMb } = await launchSesame('sesame-pglite-first-start', listening.issuer, listening.env, children.watch);
    await stopProcess(child);
    return { seconds, hwmMb, creatorHwmMb: Math.round(children.stop() / 1024) };
  } finally {
    children.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The highest VmHWM (kB) of any child of the process `watch` is given, read every 20 ms while they run: the process
 * that creates the embedded database is the server's child and ends before the server answers.
 */
function watchChildrenPeak(): { watch: (pid: number) => void; stop: () => number } {
  let parent: number | undefined;
  let peak = 0;
  const timer = setInterval(() => {
    if (parent === undefined) return;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // Field 4 of proc(5): the parent's pid.
        if (Number(statFields(name)[1]) === parent) peak = Math.max(peak, readStatusKb(Number(name), 'VmHWM'));
      } catch {}
    }
  }, 20);
  return {
    watch: (pid) => { parent = pid; },
    stop: () => { clearInterval(timer); return peak; },
  };
}

async function startPostgres(): Promise<Server> {
  const name = `sesame_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const drop = async () => { await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)); };
  try {
    return await startSesame('postgres', { DATABASE_URL: `${adminUrl}/${name}`, SESAME_SECRET: randomBytes(32).toString('base64url') }, drop, name);
  } catch (error) {
    await drop();
    throw error;
  }
}

async function startLarge(): Promise<Server> {
  const exists = await withAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [largeDatabaseName])).rowCount);
  if (!exists) throw new Error(`--large needs the seeded database ${largeDatabaseName}: run npm run bench:seed first`);
  return startSesame('postgres-large', { DATABASE_URL: `${adminUrl}/${largeDatabaseName}`, SESAME_SECRET: readSeedSecret() }, async () => {}, largeDatabaseName);
}

/**
 * Bare oidc-provider with the clients of a Sesame server (the same ids, secrets and redirect URIs): in memory, or,
 * as `baseline-postgres`, on a database of its own on the same PostgreSQL server (bench/postgres-adapter.ts).
 */
async function startBaseline(target: 'baseline' | 'baseline-postgres', fixtures: Fixtures): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const fixturesPath = path.join(resultsDir, `fixtures-${target}.json`);
  writeFileSync(fixturesPath, JSON.stringify({ ...fixtures, issuer: base }, null, 2));
  let database: string | undefined;
  let cleanUp = async () => {};
  if (target === 'baseline-postgres') {
    database = `sesame_bench_baseline_${process.pid}_${randomBytes(3).toString('hex')}`;
    await withAdmin((c) => c.query(`CREATE DATABASE ${database}`));
    cleanUp = async () => { await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)); };
  }
  const t0 = performance.now();
  const child = startProcess(target, ['bench/baseline-server.ts', fixturesPath, String(port)],
    database ? { BASELINE_DATABASE_URL: `${adminUrl}/${database}` } : {});
  await waitUntilUp(base, child).catch(async (error: unknown) => {
    await stopProcess(child);
    await cleanUp();
    throw error;
  });
  const startSeconds = Math.round((performance.now() - t0) / 100) / 10;
  return { target, base, child, fixtures, startSeconds, startHwmMb: Math.round(readStatusKb(child.pid!, 'VmHWM') / 1024), database, cleanUp };
}

// ---- load ----

interface SingleRequest { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string; check: (status: number, body: string) => boolean }

async function checkOnce(base: string, r: SingleRequest, what: string): Promise<void> {
  const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!r.check(res.status, text)) throw new Error(`${what}: unexpected answer ${res.status} ${text.slice(0, 300)}`);
}

async function cannon(base: string, r: SingleRequest, connections: number, duration: number) {
  return autocannon({
    url: `${base}${r.path}`, method: r.method, headers: r.headers, body: r.body,
    connections, duration, maxOverallRequests: Number(opts['max-requests']),
  });
}

type Measured = Omit<ScenarioResult, 'id' | 'name' | 'connections' | 'rounds'>;

async function single(server: Server, r: SingleRequest, connections: number): Promise<Measured> {
  await checkOnce(server.base, r, server.target);
  if (warmup > 0) await cannon(server.base, r, connections, warmup);
  const dbBefore = await databaseCpu(server.database);
  const { result, peakRssMb, cpuMs: cpu } = await withRssPeak(server.child.pid!, () => cannon(server.base, r, connections, seconds));
  const dbCpu = cpuGrowth(dbBefore, await databaseCpu(server.database));
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    dbCpuMsPer: server.database ? Math.round((dbCpu / (result.requests.total || 1)) * 100) / 100 : undefined,
    cpuMsPer: Math.round((cpu / (result.requests.total || 1)) * 100) / 100,
    unit: 'req', perSecond: Math.round((result.requests.total / (result.duration || seconds)) * 10) / 10,
    p50: result.latency.p50, p99: result.latency.p99, errors,
    firstError: errors ? `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts` : undefined,
    total: result.requests.total, peakRssMb,
  };
}

async function flow(server: Server, name: FlowName, vus: number): Promise<Measured> {
  // CPU time over the measured flows only: setting the virtual users up signs each in (a password hash).
  const pid = server.child.pid!;
  let cpu = 0;
  const db: Promise<Map<number, number>>[] = [];
  const onMeasure = (phase: 'start' | 'end') => {
    cpu = phase === 'start' ? -cpuMs(pid) : cpu + cpuMs(pid);
    db.push(databaseCpu(server.database));
  };
  const { result, peakRssMb } = await withRssPeak(pid, () => runFlows(server.base, server.fixtures, name, { vus, seconds, warmupSeconds: warmup, maxFlows: Number(opts['max-requests']), onMeasure }));
  const [dbBefore, dbAfter] = await Promise.all(db);
  const dbCpu = dbBefore && dbAfter ? cpuGrowth(dbBefore, dbAfter) : 0;
  return {
    dbCpuMsPer: server.database ? Math.round((dbCpu / (result.flows || 1)) * 100) / 100 : undefined,
    cpuMsPer: Math.round((cpu / (result.flows || 1)) * 100) / 100, unit: 'flow', perSecond: result.perSecond, p50: result.p50, p99: result.p99, errors: result.errors, firstError: result.firstError, total: result.flows, peakRssMb };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const json = (body: string) => { try { return JSON.parse(body) as Record<string, unknown>; } catch { return {}; } };

function runScenario(id: string, server: Server, connections: number): Promise<Measured> {
  const fx = server.fixtures;
  switch (id) {
    case '1a': return single(server, { method: 'GET', path: '/.well-known/openid-configuration', check: (s, b) => s === 200 && b.includes('"issuer"') }, connections);
    case '1b': return single(server, { method: 'GET', path: '/oidc/jwks', check: (s, b) => s === 200 && b.includes('"keys"') }, connections);
    case '2': return single(server, {
      method: 'POST', path: '/oidc/token', headers: { ...form, authorization: basic(fx.m2m.clientId, fx.m2m.clientSecret) },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: fx.resource.indicator, scope: fx.resource.scope }).toString(),
      check: (s, b) => s === 200 && String(json(b).access_token).split('.').length === 3 && json(b).scope === fx.resource.scope,
    }, connections);
    case '2b': return single(server, {
      method: 'POST', path: '/oidc/token', headers: { ...form, authorization: basic(fx.m2m.clientId, fx.m2m.clientSecret) },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
      check: (s, b) => s === 200 && typeof json(b).access_token === 'string' && !String(json(b).access_token).includes('.'),
    }, connections);
    case '3': return flow(server, 'code', connections);
    case '4': return flow(server, 'sign-in', connections);
    case '5': return flow(server, 'refresh', connections);
    case '6': return single(server, {
      method: 'POST', path: '/oidc/token/introspection', headers: { ...form, authorization: basic(fx.web.clientId, fx.web.clientSecret) },
      body: new URLSearchParams({ token: server.accessToken! }).toString(), check: (s, b) => s === 200 && json(b).active === true,
    }, connections);
    case '7': return single(server, {
      method: 'GET', path: '/oidc/me', headers: { authorization: `Bearer ${server.accessToken!}` },
      check: (s, b) => s === 200 && json(b).sub === fx.user.id,
    }, connections);
    default: throw new Error(`unknown scenario ${id}`);
  }
}

/** The large database is there for latency on the hot paths, not for the start-up or discovery figures. */
const largeScenarios = new Set(['3', '4', '5', '6', '7']);

async function main() {
  const startedAt = performance.now();
  const targets = opts.targets.split(',') as TargetName[];
  const info = machine();
  console.log(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, load ${info.loadAverage.join(' ')}`);

  const servers: Server[] = [];
  let explained: ExplainedQuery[] | undefined;
  let seedInfo: Report['seed'];
  let firstStart: FirstStart | undefined;
  let largeError: string | undefined;
  const results = new Map<string, ScenarioResult[]>();
  let hashing: Awaited<ReturnType<typeof hashCost>>;
  try {
    if (targets.includes('pglite')) {
      firstStart = await measureFirstStart();
      console.log(`pglite, first start on an empty data folder: up in ${firstStart.seconds} s, peak RSS ${firstStart.hwmMb} MB (the process creating the database: ${firstStart.creatorHwmMb} MB)`);
    }
    // Every server first, so that each scenario then meets them all in the same state of the machine.
    if (targets.includes('postgres')) servers.push(await startPostgres());
    if (targets.includes('pglite')) servers.push(await startPglite());
    if (opts.large) {
      const seedFile = path.join(resultsDir, 'seed.json');
      seedInfo = existsSync(seedFile) ? JSON.parse(readFileSync(seedFile, 'utf8')) as Report['seed'] : undefined;
      try {
        servers.push(await startLarge());
      } catch (error) {
        largeError = (error as Error).message;
        console.error(`large-data server failed: ${largeError}`);
      }
    }
    // The baselines take the clients of a Sesame server (the same ids, secrets and redirect URIs).
    const fixtures = servers[0]?.fixtures ?? {
      issuer: '', user: { id: 'bench-user', login: 'bench', password: 'bench password' },
      web: { clientId: 'bench-web', clientSecret: randomBytes(32).toString('base64url'), redirectUri: 'http://127.0.0.1/bench/callback' },
      m2m: { clientId: 'bench-m2m', clientSecret: randomBytes(32).toString('base64url') },
      resource: { indicator: 'https://api.bench.example/baseline', scope: 'read:things' },
    };
    if (targets.includes('baseline-postgres')) servers.unshift(await startBaseline('baseline-postgres', fixtures));
    if (targets.includes('baseline')) servers.unshift(await startBaseline('baseline', fixtures));
    for (const s of servers) console.log(`${s.target}: up in ${s.startSeconds} s at ${s.base}, start-up peak RSS ${s.startHwmMb} MB`);

    process.stdout.write('argon2id cost … ');
    hashing = await hashCost();
    console.log(`${hashing.msPerHash} ms per hash, ${hashing.perCore}/s per core, ${hashing.allCores}/s on ${hashing.cores} cores`);

    if (wanted.some((id) => id === '6' || id === '7')) {
      for (const s of servers) s.accessToken = (await signedInUser(new URL(s.base), s.fixtures)).tokens.access_token;
    }
    const ids = scenarioOrder.filter((id) => wanted.includes(id));
    for (const connections of connectionLevels) {
      for (let round = 1; round <= rounds; round++) {
        for (const id of ids) {
          for (const server of servers) {
            if (server.target === 'postgres-large' && !largeScenarios.has(id)) continue;
            const key = `${server.target}|${connections}|${id}`;
            process.stdout.write(`  c${connections} r${round} ${id} ${scenarioNames[id]} · ${server.target} … `);
            // A scenario that fails (a flow's set-up refused, a server gone) is reported as such; the others still run.
            const m = await runScenario(id, server, connections).catch((error: Error): Measured => ({
              unit: 'req', perSecond: 0, p50: 0, p99: 0, cpuMsPer: 0, errors: 1, firstError: `failed: ${error.message}`, total: 0, peakRssMb: 0,
            }));
            console.log(`${m.perSecond}/s p50 ${m.p50} ms p99 ${m.p99} ms cpu ${m.cpuMsPer}${m.dbCpuMsPer === undefined ? '' : ` + db ${m.dbCpuMsPer}`} ms errors ${m.errors} rss ${m.peakRssMb} MB${m.firstError ? ` (${m.firstError})` : ''}`);
            const list = results.get(key) ?? [];
            list.push({ ...m, id, name: scenarioNames[id]!, connections, rounds: [m.perSecond] });
            results.set(key, list);
          }
        }
      }
    }
    const large = servers.find((s) => s.target === 'postgres-large');
    if (large) {
      console.log('EXPLAIN (ANALYZE) of the hot queries on the large database');
      explained = await explainHotQueries(`${adminUrl}/${largeDatabaseName}`, large.fixtures).catch((error) => { largeError = (error as Error).message; return undefined; });
    }
  } finally {
    for (const s of servers) {
      s.stopHwmMb = Math.round(readStatusKb(s.child.pid!, 'VmHWM') / 1024);
      await stopProcess(s.child);
      await s.cleanUp();
    }
    await dbAdmin.end();
  }

  const targetResults: TargetResult[] = servers.map((s) => ({
    target: s.target,
    startHwmMb: s.startHwmMb,
    startSeconds: s.startSeconds,
    vmHwmMb: s.stopHwmMb ?? 0,
    scenarios: [...results].filter(([key]) => key.startsWith(`${s.target}|`)).map(([, list]) => combine(list)),
  }));

  const report: Report = {
    machine: info, hashing: hashing!, options: { ...opts, seconds, warmup, rounds, connections: connectionLevels, scenarios: wanted },
    sesameNodeFlags, sesameEnv: sesameStart.env, seconds, results: targetResults, firstStart, explain: explained, seed: seedInfo, largeError,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    wallSeconds: Math.round((performance.now() - startedAt) / 1000),
  };
  const stamp = info.date.replace(/[:.]/g, '-');
  writeFileSync(path.join(resultsDir, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2));
  const markdown = renderReport(report);
  writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  if (!opts['no-readme']) updateReadme(markdown);
  console.log(`\n${markdown}\nwritten: bench/results/latest.json, bench/results/latest.md${opts['no-readme'] ? '' : ', bench/README.md'} (${report.wallSeconds} s)`);
}

/** Rounds of one scenario on one server: mean throughput, mean latencies, every error, the highest RSS. */
function combine(list: ScenarioResult[]): ScenarioResult {
  // CPU per request is a fraction of a millisecond: kept to hundredths, as each round measured it.
  const mean = (pick: (r: ScenarioResult) => number, scale = 10) => Math.round((list.reduce((sum, r) => sum + pick(r), 0) / list.length) * scale) / scale;
  return {
    ...list[0]!,
    perSecond: mean((r) => r.perSecond), cpuMsPer: mean((r) => r.cpuMsPer, 100),
    dbCpuMsPer: list[0]!.dbCpuMsPer === undefined ? undefined : mean((r) => r.dbCpuMsPer ?? 0, 100), p50: mean((r) => r.p50), p99: mean((r) => r.p99),
    errors: list.reduce((sum, r) => sum + r.errors, 0), firstError: list.find((r) => r.firstError)?.firstError,
    total: list.reduce((sum, r) => sum + r.total, 0), peakRssMb: Math.max(...list.map((r) => r.peakRssMb)),
    rounds: list.map((r) => r.perSecond),
  };
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

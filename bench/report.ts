/** The markdown report of a benchmark run: the tables that go into bench/README.md. */
import { explainTable, type ExplainedQuery } from './explain.ts';

interface Scenario { id: string; name: string; unit: 'req' | 'flow'; connections: number; perSecond: number; p50: number; p99: number; errors: number; firstError?: string; peakRssMb: number; cpuMsPer?: number; dbCpuMsPer?: number; rounds: number[] }
interface Target { target: string; scenarios: Scenario[]; vmHwmMb: number; startHwmMb: number; startSeconds: number }
/** A new installation's first start: Sesame creating its embedded database on an empty data folder. */
export interface FirstStart {
  seconds: number;
  /** VmHWM once up. */
  hwmMb: number;
  /** VmHWM of the short-lived process that created the database (src/db/embedded-database.ts), before the server answered. */
  creatorHwmMb?: number;
}

export interface Report {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string; loadAverage: number[] };
  hashing: { msPerHash: number; perCore: number; allCores: number; cores: number };
  seconds: number;
  options: Record<string, unknown> & { warmup: number; rounds: number; connections: number[]; quick?: boolean };
  /** Node's flags and environment Sesame ran with (those of `npm start`). */
  sesameNodeFlags?: string[];
  sesameEnv?: Record<string, string>;
  results: Target[];
  firstStart?: FirstStart;
  explain?: ExplainedQuery[];
  seed?: { users: number; apps: number; grants: number; seconds: number; databaseSize: string };
  loadAverageAtEnd: number[];
  wallSeconds: number;
  largeError?: string;
}

/** Throughput targets, as a share of the baseline (issue 16): PostgreSQL, and PGlite ≥ 0.5× on the same ones. */
const ratioTargets: Record<string, number> = { '2': 0.8, '2b': 0.8, '3': 0.7, '5': 0.8, '6': 0.8, '7': 0.8 };
const pgliteTarget = 0.5;

const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits }));
const mark = (ok: boolean) => (ok ? '✅' : '❌');
const times = (ratio: number | undefined) => (ratio === undefined ? '—' : `${fmt(ratio, 2)}×`);

/** The flags of the run that change what it measures, as given on the command line. */
function commandFlags(o: Report['options']): string {
  const flags = [o.quick && '--quick', o.large && '--large'].filter(Boolean);
  return flags.length ? ` -- ${flags.join(' ')}` : '';
}

/** The scenarios measured at `c` connections, on any server, in the order they ran. */
const scenarioIds = (report: Report, c: number) =>
  [...new Set(report.results.flatMap((r) => r.scenarios.filter((s) => s.connections === c).map((s) => s.id)))];

export function renderReport(report: Report): string {
  const by = (target: string) => report.results.find((r) => r.target === target);
  const get = (target: string, id: string, c: number) => by(target)?.scenarios.find((s) => s.id === id && s.connections === c);
  const m = report.machine;
  const o = report.options;
  const lines: string[] = [];
  const env = Object.entries(report.sesameEnv ?? {}).map(([k, v]) => `${k}=${v} `).join('');
  lines.push(`Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; `
    + `load average ${m.loadAverage.join(' ')} at the start, ${report.loadAverageAtEnd.join(' ')} at the end. `
    + `Command: \`npm run bench${commandFlags(o)}\`: ${report.seconds} s per scenario after ${o.warmup} s of warm-up, ${o.rounds} round(s), `
    + `${o.connections.join(' and ')} connections (virtual users for flows); every server started first, then each scenario on each server in turn. `
    + `Sesame runs as \`npm start\` runs it: \`${env}node ${[...(report.sesameNodeFlags ?? []), 'src/main.ts start'].join(' ')}\``
    + `${o['log-level'] ? `, log level ${String(o['log-level'])}` : ', default log level (info: one line per request)'}; `
    + `the baseline is bare oidc-provider with an unbounded in-memory store and Node's defaults`
    + `${by('baseline-postgres') ? '; the second baseline is the same on PostgreSQL, through a plain adapter (bench/postgres-adapter.ts)' : ''}. `
    + `Whole run: ${report.wallSeconds} s.`);

  for (const c of o.connections) {
    const ids = scenarioIds(report, c);
    lines.push('', `### ${c} connections: throughput (requests or flows per second) and ratio to the baseline`, '');
    lines.push('| # | scenario | baseline | Sesame PostgreSQL | PostgreSQL ÷ baseline | Sesame PGlite | PGlite ÷ baseline | target (PostgreSQL; PGlite ≥ 0.5×) |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const id of ids) {
      const b = get('baseline', id, c);
      const p = get('postgres', id, c);
      const l = get('pglite', id, c);
      const ratio = (s?: Scenario) => (s && b ? s.perSecond / b.perSecond : undefined);
      const target = ratioTargets[id];
      const pr = ratio(p);
      const lr = ratio(l);
      const verdict = target === undefined ? '' : `≥ ${target}× ${pr === undefined ? '' : mark(pr >= target)}${lr === undefined ? '' : ` · ${mark(lr >= pgliteTarget)}`}`;
      const any = (b ?? p ?? l)!;
      const unit = any.unit === 'flow' ? ' flows' : '';
      lines.push(`| ${id} | ${any.name} | ${fmt(b?.perSecond)}${unit} | ${fmt(p?.perSecond)} | ${times(pr)} | ${fmt(l?.perSecond)} | ${times(lr)} | ${verdict} |`);
    }
    lines.push('', `### ${c} connections: latency (ms, p50 / p99), CPU per request or flow (ms: Sesame's process; + PostgreSQL's server processes), errors, peak RSS during the scenario (MB)`, '');
    lines.push('| # | baseline | PostgreSQL | PGlite | CPU ms (baseline / PostgreSQL / PGlite) | errors (baseline / PostgreSQL / PGlite) | RSS (baseline / PostgreSQL / PGlite) |');
    lines.push('|---|---|---|---|---|---|---|');
    const lat = (s?: Scenario) => (s ? `${fmt(s.p50)} / ${fmt(s.p99)}` : '—');
    for (const id of ids) {
      const [b, p, l] = ['baseline', 'postgres', 'pglite'].map((t) => get(t, id, c));
      lines.push(`| ${id} | ${lat(b)} | ${lat(p)} | ${lat(l)} | ${fmt(b?.cpuMsPer, 2)} / ${fmt(p?.cpuMsPer, 2)}${p?.dbCpuMsPer === undefined ? '' : ` + ${fmt(p.dbCpuMsPer, 2)}`} / ${fmt(l?.cpuMsPer, 2)} | ${[b, p, l].map((s) => (s ? s.errors : '—')).join(' / ')} | ${[b, p, l].map((s) => (s ? s.peakRssMb : '—')).join(' / ')} |`);
    }
  }

  if (by('baseline-postgres')) lines.push(...againstEngineOnPostgres(report, get));

  lines.push('', '### Memory (VmHWM, MB) and start-up', '');
  lines.push('| server | up in (s) | peak RSS once started | peak RSS over the whole run | target < 250 MB |');
  lines.push('|---|---|---|---|---|');
  for (const r of report.results) {
    lines.push(`| ${r.target} | ${fmt(r.startSeconds)} | ${r.startHwmMb} | ${r.vmHwmMb} | ${r.target.startsWith('baseline') ? '' : mark(r.vmHwmMb < 250)} |`);
  }
  const first = report.firstStart;
  if (first) lines.push(`| pglite, first start (creates its database on an empty data folder) | ${fmt(first.seconds)} | ${first.hwmMb} | — | ${mark(first.hwmMb < 250)} |`);
  if (first?.creatorHwmMb) lines.push(`| pglite, first start: the process that creates the database (once, for a few seconds, before the server answers) | — | ${first.creatorHwmMb} | — | ${mark(first.creatorHwmMb < 250)} |`);
  const errors = report.results.flatMap((r) => r.scenarios.filter((s) => s.errors).map((s) => `${r.target} ${s.id} (c${s.connections}): ${s.errors} (${s.firstError ?? ''})`));
  lines.push('', errors.length ? `**Errors:** ${errors.join('; ')}.` : 'Errors: none in any scenario.');

  const h = report.hashing;
  const bound = h.perCore * h.cores;
  lines.push('', '### Sign-in (scenario 4) against the cost of password hashing', '');
  lines.push(`One argon2id hash with Sesame's parameters (19 MiB, t=2, p=1) takes ${fmt(h.msPerHash)} ms here: ${fmt(h.perCore)} hashes/s on one core; `
    + `${h.cores} hashing in parallel do ${fmt(h.allCores)} /s (per-core rate × cores: ${fmt(bound)} /s), measured with the servers up and idle. `
    + 'A sign-in verifies one hash, so the parallel rate is the sign-ins per second hashing allows on this machine.');
  lines.push('', '| server | connections | sign-ins/s | % of the hashes/s the cores allow | target ≥ 90 % |', '|---|---|---|---|---|');
  for (const t of ['postgres', 'pglite', 'postgres-large']) {
    for (const c of o.connections) {
      const s = get(t, '4', c);
      if (!s) continue;
      const pct = (100 * s.perSecond) / h.allCores;
      lines.push(`| ${t} | ${c} | ${fmt(s.perSecond)} | ${fmt(pct)} % | ${mark(pct >= 90)} |`);
    }
  }

  if (report.largeError) lines.push('', `**The large-data run failed:** ${report.largeError}`);
  const large = by('postgres-large');
  if (large) {
    lines.push('', '### Small versus large data (PostgreSQL)', '');
    if (report.seed) lines.push(`Large: ${fmt(report.seed.users, 0)} users, ${fmt(report.seed.apps, 0)} apps, ${fmt(report.seed.grants, 0)} grants (${report.seed.databaseSize}; seeded in ${report.seed.seconds} s by \`npm run bench:seed\`).`, '');
    lines.push('| # | scenario | connections | small /s | large /s | small p99 | large p99 | p99 large ÷ small | target ≤ 1.25 |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const s of large.scenarios) {
      const small = get('postgres', s.id, s.connections);
      const r = small ? s.p99 / small.p99 : undefined;
      lines.push(`| ${s.id} | ${s.name} | ${s.connections} | ${fmt(small?.perSecond)} | ${fmt(s.perSecond)} | ${fmt(small?.p99)} | ${fmt(s.p99)} | ${fmt(r, 2)} | ${r === undefined ? '' : mark(r <= 1.25)} |`);
    }
  }
  if (report.explain?.length) lines.push('', '### Hot queries on the large database (EXPLAIN ANALYZE)', '', explainTable(report.explain));
  return lines.join('\n');
}

type Lookup = (target: string, id: string, c: number) => Scenario | undefined;

/**
 * Sesame on PostgreSQL beside bare oidc-provider on PostgreSQL: how much of the gap to the in-memory baseline is the
 * engine's own cost of storing its artifacts, and what Sesame does with the same database.
 */
function againstEngineOnPostgres(report: Report, get: Lookup): string[] {
  const lines: string[] = [];
  for (const c of report.options.connections) {
    const ids = scenarioIds(report, c);
    lines.push('', `### ${c} connections: bare oidc-provider on PostgreSQL beside Sesame on PostgreSQL`, '');
    lines.push('| # | scenario | baseline (memory) | oidc-provider on PostgreSQL | ÷ memory | Sesame PostgreSQL | Sesame ÷ oidc-provider on PostgreSQL | CPU ms, oidc-provider on PostgreSQL / Sesame (+ PostgreSQL\'s) |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const id of ids) {
      const [b, e, p] = ['baseline', 'baseline-postgres', 'postgres'].map((t) => get(t, id, c));
      if (!e) continue;
      const ratio = (x?: Scenario, y?: Scenario) => (x && y ? x.perSecond / y.perSecond : undefined);
      const cpu = (s?: Scenario) => (s ? `${fmt(s.cpuMsPer, 2)}${s.dbCpuMsPer === undefined ? '' : ` + ${fmt(s.dbCpuMsPer, 2)}`}` : '—');
      const unit = e.unit === 'flow' ? ' flows' : '';
      lines.push(`| ${id} | ${e.name} | ${fmt(b?.perSecond)}${unit} | ${fmt(e.perSecond)} | ${times(ratio(e, b))} | ${fmt(p?.perSecond)} | ${times(ratio(p, e))} | ${cpu(e)} / ${cpu(p)} |`);
    }
  }
  return lines;
}

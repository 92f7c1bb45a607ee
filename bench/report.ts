/** The markdown report of a benchmark run: the tables that go into bench/README.md. */
import { explainTable, type ExplainedQuery } from './explain.ts';

interface Scenario { id: string; name: string; unit: 'req' | 'flow'; perSecond: number; p50: number; p99: number; errors: number; firstError?: string; peakRssMb: number }
interface Target { target: string; scenarios: Scenario[]; vmHwmMb: number }
export interface Report {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string; loadAverage: number[] };
  hashing: { msPerHash: number; perCore: number; allCores: number; cores: number };
  seconds: number;
  options: Record<string, unknown>;
  /** Node's flags Sesame ran with (those of `npm start`). */
  sesameNodeFlags?: string[];
  results: Target[];
  explain?: ExplainedQuery[];
  seed?: { users: number; apps: number; grants: number; seconds: number; databaseSize: string };
  wallSeconds: number;
  largeError?: string;
}

/** Throughput targets, as a share of the baseline on PostgreSQL (issue 6). */
const ratioTargets: Record<string, number> = { '2': 0.8, '3': 0.7, '5': 0.8, '6': 0.8, '7': 0.8 };

const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits }));

export function renderReport(report: Report): string {
  const by = (target: string) => report.results.find((r) => r.target === target);
  const get = (target: string, id: string) => by(target)?.scenarios.find((s) => s.id === id);
  const ids = [...new Set(report.results.flatMap((r) => r.scenarios.map((s) => s.id)))].filter((id) => get('baseline', id) || get('pglite', id) || get('postgres', id));
  const m = report.machine;
  const lines: string[] = [];
  lines.push(`Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; `
    + `load average at start ${m.loadAverage.join(' ')}. ${report.seconds} s per scenario after ${report.options.warmup} s of warm-up, `
    + `${report.options.connections} connections (single requests) or ${report.options.vus} virtual users (flows; ${report.options['sign-in-vus']} for sign-in). `
    + `Sesame runs as \`npm start\` runs it: \`node ${[...(report.sesameNodeFlags ?? []), 'src/main.ts start'].join(' ')}\` (with Node's compile cache); the baseline with Node's defaults. `
    + `Whole run: ${report.wallSeconds} s.`);
  lines.push('');
  lines.push('### Throughput (requests or flows per second) and ratio to the baseline');
  lines.push('');
  lines.push('| # | scenario | baseline | Sesame PGlite | Sesame PostgreSQL | PostgreSQL ÷ baseline | PGlite ÷ baseline | target |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const id of ids) {
    const b = get('baseline', id);
    const l = get('pglite', id);
    const p = get('postgres', id);
    const ratio = (s?: Scenario) => (s && b ? s.perSecond / b.perSecond : undefined);
    const target = ratioTargets[id];
    const pr = ratio(p);
    const verdict = target === undefined ? '' : `≥ ${target}× ${pr === undefined ? '' : pr >= target ? '✅' : '❌'}`;
    const unit = (b ?? p ?? l)?.unit === 'flow' ? ' flows' : '';
    lines.push(`| ${id} | ${(b ?? p ?? l)!.name} | ${fmt(b?.perSecond)}${unit} | ${fmt(l?.perSecond)} | ${fmt(p?.perSecond)} | ${fmt(pr, 2)}× | ${fmt(ratio(l), 2)}× | ${verdict} |`);
  }
  lines.push('');
  lines.push('### Latency (ms, p50 / p99), errors and peak server RSS (MB)');
  lines.push('');
  lines.push('| # | baseline p50 / p99 | PGlite p50 / p99 | PostgreSQL p50 / p99 | errors (baseline / PGlite / PostgreSQL) | peak RSS (baseline / PGlite / PostgreSQL) |');
  lines.push('|---|---|---|---|---|---|');
  const lat = (s?: Scenario) => (s ? `${fmt(s.p50)} / ${fmt(s.p99)}` : '—');
  for (const id of ids) {
    const [b, l, p] = ['baseline', 'pglite', 'postgres'].map((t) => get(t, id));
    lines.push(`| ${id} | ${lat(b)} | ${lat(l)} | ${lat(p)} | ${[b, l, p].map((s) => (s ? s.errors : '—')).join(' / ')} | ${[b, l, p].map((s) => (s ? s.peakRssMb : '—')).join(' / ')} |`);
  }
  const hwm = report.results.map((r) => `${r.target} ${r.vmHwmMb} MB`).join(', ');
  const maxRss = Math.max(0, ...report.results.filter((r) => r.target !== 'baseline').map((r) => r.vmHwmMb));
  lines.push('');
  lines.push(`Peak RSS over the whole run (VmHWM): ${hwm}. Target for Sesame: < 250 MB ${maxRss ? (maxRss < 250 ? '✅' : '❌') : ''}.`);
  const errors = report.results.flatMap((r) => r.scenarios.filter((s) => s.errors).map((s) => `${r.target} ${s.id}: ${s.errors} (${s.firstError ?? ''})`));
  lines.push(errors.length ? `**Errors:** ${errors.join('; ')}.` : 'Errors: none in any scenario.');

  const h = report.hashing;
  const bound = h.perCore * h.cores;
  lines.push('');
  lines.push('### Scenario 4 against the cost of password hashing');
  lines.push('');
  lines.push(`One argon2id hash with Sesame's parameters (19 MiB, t=2, p=1) takes ${fmt(h.msPerHash)} ms here: ${fmt(h.perCore)} hashes/s on one core; `
    + `with ${h.cores} hashing in parallel the machine does ${fmt(h.allCores)} /s (per-core rate × cores would be ${fmt(bound)} /s). `
    + 'A sign-in verifies one hash, so the measured parallel rate is the sign-ins per second hashing allows on this machine.');
  lines.push('');
  lines.push('| target | sign-ins/s | % of what hashing allows (measured parallel rate) | % of per-core rate × cores | target |');
  lines.push('|---|---|---|---|---|');
  for (const t of ['pglite', 'postgres', 'postgres-large']) {
    const s = get(t, '4');
    if (!s) continue;
    const pct = (100 * s.perSecond) / h.allCores;
    lines.push(`| ${t} | ${fmt(s.perSecond)} | ${fmt(pct)} % | ${fmt((100 * s.perSecond) / bound)} % | ≥ 90 % ${pct >= 90 ? '✅' : '❌'} |`);
  }

  if (report.largeError) lines.push('', `**The large-data run failed:** ${report.largeError}`);
  const large = by('postgres-large');
  if (large) {
    lines.push('');
    lines.push('### Small versus large data (PostgreSQL)');
    lines.push('');
    if (report.seed) {
      lines.push(`Large: ${fmt(report.seed.users, 0)} users, ${fmt(report.seed.apps, 0)} apps, ${fmt(report.seed.grants, 0)} grants (${report.seed.databaseSize}; seeded in ${report.seed.seconds} s by \`npm run bench:seed\`).`);
      lines.push('');
    }
    lines.push('| # | scenario | small /s | large /s | small p99 | large p99 | p99 large ÷ small | target ≤ 1.25 |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const s of large.scenarios) {
      const small = get('postgres', s.id);
      const r = small ? s.p99 / small.p99 : undefined;
      lines.push(`| ${s.id} | ${s.name} | ${fmt(small?.perSecond)} | ${fmt(s.perSecond)} | ${fmt(small?.p99)} | ${fmt(s.p99)} | ${fmt(r, 2)} | ${r === undefined ? '' : r <= 1.25 ? '✅' : '❌'} |`);
    }
  }
  if (report.explain?.length) {
    lines.push('');
    lines.push('### Hot queries on the large database (EXPLAIN ANALYZE)');
    lines.push('');
    lines.push(explainTable(report.explain));
  }
  return lines.join('\n');
}

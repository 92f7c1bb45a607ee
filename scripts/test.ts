/**
 * `npm test`: the whole suite on the embedded database, then on the PostgreSQL server at 127.0.0.1:5432
 * (started first if it is installed but stopped). Extra arguments go to vitest (a file or `-t name`).
 * Set SESAME_TEST_DATABASES=pglite (or postgres) to run on one only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const kinds = (process.env.SESAME_TEST_DATABASES ?? 'pglite,postgres').split(',').map((k) => k.trim()).filter(Boolean);
const extraArgs = process.argv.slice(2);
const resultsDir = path.resolve('test-artifacts');
mkdirSync(resultsDir, { recursive: true });

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Starts the machine's PostgreSQL cluster (Debian's pg_ctlcluster) when it is installed but not running. */
async function ensurePostgres(): Promise<void> {
  if (await postgresReachable()) return;
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  for (const version of versions) {
    console.log(`starting PostgreSQL ${version}`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
  for (let i = 0; i < 30; i++) {
    if (await postgresReachable()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, trust auth). Install and start it, or run with SESAME_TEST_DATABASES=pglite.');
}

interface Counts { passed: number; failed: number; skipped: number }

function runSuite(kind: string): Counts & { ok: boolean } {
  const outputFile = path.join(resultsDir, `vitest-${kind}.json`);
  console.log(`\n=== test suite on ${kind} ===`);
  const run = spawnSync('vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...extraArgs], {
    stdio: 'inherit',
    env: { ...process.env, SESAME_TEST_DATABASE: kind },
  });
  let counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    counts = { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests };
  } catch {
    counts.failed = 1;
  }
  return { ...counts, ok: run.status === 0 };
}

const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
for (const kind of kinds) {
  if (kind === 'postgres') await ensurePostgres();
  const result = runSuite(kind);
  console.log(`${kind}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  ok &&= result.ok;
}
console.log(`\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok && totals.failed === 0 ? 0 : 1);

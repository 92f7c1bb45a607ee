/**
 * `npm test`: builds the admin console (console/dist, which the console's browser tests load from the server
 * under test) when its sources changed, then the whole suite on the embedded database, then on the PostgreSQL server at 127.0.0.1:5432
 * (started first if it is installed but stopped). Extra arguments go to vitest (a file or `-t name`).
 * Set SESAME_TEST_DATABASES=pglite (or postgres) to run on one only. Browser tests need Debian's chromium;
 * it is installed first (as root) when missing, with curl and Python's Flask and Authlib for the integration guide's samples.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { buildConsole } from './build-console.ts';

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

const chromiumPath = '/usr/bin/chromium';
const cjkFont = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

/**
 * What the tests run besides Node, from Debian: chromium for the browser tests (never a downloaded browser), CJK
 * fonts for the Japanese and Korean pages, the tools the integration guide's samples are run with (curl, and
 * Python with Flask and Authlib), and strace, with which a test holds back a system call of the server to widen a
 * race an attacker would try (test/data-folder-permissions.test.ts). A fresh machine has none of them: installed
 * with apt-get when we are root.
 * Without chromium the run stops here rather than skip the browser tests.
 */
const debianPackages: { name: string; present(): boolean }[] = [
  { name: 'chromium', present: () => existsSync(chromiumPath) },
  { name: 'fonts-noto-cjk', present: () => existsSync(cjkFont) },
  { name: 'curl', present: () => existsSync('/usr/bin/curl') },
  { name: 'python3-flask', present: () => pythonHas('flask') },
  { name: 'python3-authlib', present: () => pythonHas('authlib') },
  { name: 'python3-requests', present: () => pythonHas('requests') },
  { name: 'strace', present: () => existsSync('/usr/bin/strace') },
];

function pythonHas(module: string): boolean {
  return spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function ensureDebianPackages(): void {
  const missing = debianPackages.filter((p) => !(p.name === 'chromium' && process.env.SESAME_TEST_CHROMIUM) && !p.present()).map((p) => p.name);
  if (missing.length && process.getuid?.() === 0) {
    console.log(`installing Debian packages the tests use: ${missing.join(', ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (update.status === 0) spawnSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env });
  }
  if (!process.env.SESAME_TEST_CHROMIUM && !existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath} and could not be installed${process.getuid?.() === 0 ? ' (see apt-get above)' : ' (installing needs root)'}. `
      + 'Run `apt-get install chromium fonts-noto-cjk` as root, or set SESAME_TEST_CHROMIUM to a Chromium binary.');
  }
  if (!existsSync(cjkFont)) console.warn('fonts-noto-cjk is not installed: Japanese and Korean screenshots will show empty boxes.');
  const stillMissing = debianPackages.filter((p) => p.name !== 'chromium' && p.name !== 'fonts-noto-cjk' && !p.present()).map((p) => p.name);
  if (stillMissing.length) console.warn(`not installed: ${stillMissing.join(', ')}; the tests that need them are skipped.`);
}

interface Counts { passed: number; failed: number; skipped: number }

interface Report {
  numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

const firstLine = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n')[0]!.slice(0, 300);

/** Each failed test, or file that failed outside its tests (a hook, an import): where, which, and why in a line. */
function failuresOf(kind: string, report: Report): string[] {
  return report.testResults.flatMap((file) => {
    const where = `${kind}: ${path.relative(process.cwd(), file.name)}`;
    const tests = file.assertionResults.filter((test) => test.status === 'failed')
      .map((test) => `${where} > ${test.fullName}\n    ${firstLine(test.failureMessages[0] ?? '')}`);
    if (tests.length || file.status !== 'failed') return tests;
    return [`${where}\n    ${firstLine(file.message ?? '') || 'failed outside its tests (a hook or an import); its error is above'}`];
  });
}

function runSuite(kind: string): Counts & { ok: boolean; failures: string[] } {
  const outputFile = path.join(resultsDir, `vitest-${kind}.json`);
  console.log(`\n=== test suite on ${kind} ===`);
  const run = spawnSync('vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...extraArgs], {
    stdio: 'inherit',
    env: { ...process.env, SESAME_TEST_DATABASE: kind },
  });
  let counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  let failures: string[] = [];
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as Report;
    counts = { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests };
    failures = failuresOf(kind, report);
    if (!failures.length && run.status !== 0) failures = [`${kind}: vitest exited with ${run.status}; its errors are above`];
  } catch {
    counts.failed = 1;
    failures = [`${kind}: vitest wrote no report (${outputFile}); its output above says why`];
  }
  return { ...counts, ok: run.status === 0, failures };
}

console.log('=== admin console build ===');
await buildConsole({ ifStale: true });

const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];
let ok = true;
ensureDebianPackages();
for (const kind of kinds) {
  if (kind === 'postgres') await ensurePostgres();
  const result = runSuite(kind);
  console.log(`${kind}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  failures.push(...result.failures);
  ok &&= result.ok;
}
console.log(`\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
// Repeated last: a CI log kept only by its tail still names what failed, whichever database it was on.
if (failures.length) console.log(`\nfailed:\n${failures.join('\n')}`);
process.exit(ok && totals.failed === 0 ? 0 : 1);

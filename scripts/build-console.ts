/**
 * Builds the admin console (console/ → console/dist, served by Sesame at /console) with Vite.
 * `--if-stale` skips the build when console/dist was built from the same sources: a hash of console/'s files,
 * the Vite config and the lockfile is kept in console/dist/.source-hash, so `npm start` costs nothing when
 * nothing changed and rebuilds after a pull or an edit (file times are not trusted: git sets them at checkout).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const consoleDir = path.join(root, 'console');
const distDir = path.join(consoleDir, 'dist');
const stampFile = path.join(distDir, '.source-hash');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : sourceFiles(full);
    return [full];
  });
}

export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  const files = [...sourceFiles(consoleDir), path.join(root, 'package-lock.json')].filter((f) => existsSync(f)).sort();
  for (const file of files) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function consoleIsFresh(): boolean {
  if (!existsSync(path.join(distDir, 'index.html')) || !existsSync(stampFile)) return false;
  return readFileSync(stampFile, 'utf8').trim() === consoleSourceHash();
}

export async function buildConsole(options: { ifStale?: boolean } = {}): Promise<void> {
  if (options.ifStale && consoleIsFresh()) return;
  const started = Date.now();
  const hash = consoleSourceHash();
  const { build } = await import('vite');
  await build({ configFile: path.join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stampFile, `${hash}\n`);
  const size = statSync(path.join(distDir, 'index.html')).size;
  console.log(`console built into console/dist in ${Date.now() - started} ms (${size} B index.html)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole({ ifStale: process.argv.includes('--if-stale') });
}

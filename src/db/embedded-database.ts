import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { privateFolderMode } from './private-folder.ts';
import { keepWasmOnBaselineCompiler } from './wasm-baseline-compiler.ts';

/**
 * Opens the embedded database (PGlite) in `dir`, creating it first when the folder is empty or missing.
 *
 * Creating runs PostgreSQL's initdb inside PGlite, which copies and rewrites the whole 128 MB WebAssembly heap
 * (PGlite's own implementation): a server that created its database peaked at 667 MB and kept 322 MB for as long as
 * it ran, against about 220 MB when opening an existing one. So a short-lived process of its own creates it (and peaks
 * at 520–540 MB for two to three seconds, once), in a sibling folder renamed into place when complete: the server's memory is
 * that of any later start, and a first start stopped half-way (kill -9) leaves no half-made database. The caller
 * holds the data folder's lock.
 */
export async function openEmbeddedDatabase(dir: string): Promise<PGlite> {
  if (isEmptyOrMissing(dir)) await createInOwnProcess(dir);
  return startPGlite(dir);
}

async function startPGlite(dir: string): Promise<PGlite> {
  keepWasmOnBaselineCompiler();
  // Loaded only here: a node on PostgreSQL never needs it.
  const { PGlite } = await import('@electric-sql/pglite');
  // PostgreSQL's default 128 MB of shared buffers are zero-filled pages inside PGlite's WebAssembly memory, all of it
  // resident; a team's database is served as fast from 16 MB (measured: no slower on the benchmark) for 110 MB less.
  // initdb runs PostgreSQL too, and writes the setting into postgresql.conf: 20-40 MB less for the creating process.
  const sharedBuffers = ['-c', 'shared_buffers=16MB'];
  return PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...sharedBuffers], initDbStartParams: sharedBuffers });
}

function isEmptyOrMissing(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

async function createInOwnProcess(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const prefix = `${path.basename(dir)}.creating-`;
  mkdirSync(parent, { recursive: true, mode: privateFolderMode });
  // Left by a creation that was stopped: never opened, so nothing in them was committed.
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
  // Named for this process: a creator orphaned by a killed server cannot write into this one's folder.
  const creating = path.join(parent, `${prefix}${process.pid}`);
  try {
    // Private before initdb writes into it (src/db/private-folder.ts).
    mkdirSync(creating, { mode: privateFolderMode });
    await runCreator(creating);
    removeEmptyFolder(dir);
    renameSync(creating, dir);
  } catch (error) {
    rmSync(creating, { recursive: true, force: true });
    throw error;
  }
}

/** Removes `dir` if it is there; never a folder with anything in it. */
function removeEmptyFolder(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function runCreator(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`could not create the embedded database in ${dir}: ${stderr.trim() || (signal ?? `exit code ${code}`)}`));
    });
  });
}

/** The creating process: initdb through PGlite, then a clean shut-down so everything is on disk. */
async function create(dir: string): Promise<void> {
  try {
    const db = await startPGlite(dir);
    await db.close();
  } catch (error) {
    // The server says it in a sentence; a stack trace is for no one here.
    process.stderr.write(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

if (import.meta.main) await create(process.argv[2]!);

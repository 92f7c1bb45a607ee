import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { clientSecretPlaceholder, type Guide, type GuideSample } from '../../src/apps/guide/guide.schema.ts';
import { signInOnPage } from './browser.ts';

/**
 * Runs the integration guide's samples as a developer would: each file written as the guide shows it (with the
 * client secret put where the placeholder stands, as the console does right after creation), then started
 * with node, built with Vite, or run by the shell. The folders sit inside the project so that `import
 * 'openid-client'` resolves to the project's own node_modules, as it would after `npm install`.
 */

const samplesRoot = path.resolve('test-artifacts', 'guide-samples');

export function findSample(guide: Pick<Guide, 'samples'>, id: string): GuideSample {
  const sample = guide.samples.find((s) => s.id === id);
  if (!sample) throw new Error(`the guide has no sample ${id}; it has ${guide.samples.map((s) => s.id).join(', ')}`);
  return sample;
}

/** The sample's files with the secret in place of the placeholder. */
export function withSecret(files: GuideSample['files'], secret: string | undefined): GuideSample['files'] {
  return files.map((file) => ({ ...file, code: secret ? file.code.split(clientSecretPlaceholder).join(secret) : file.code }));
}

/** Writes files into a fresh folder of their own; returns the folder. */
export function writeSample(files: { name: string; code: string }[]): string {
  mkdirSync(samplesRoot, { recursive: true });
  const dir = mkdtempSync(path.join(samplesRoot, 'run-'));
  for (const file of files) writeFileSync(path.join(dir, file.name), `${file.code}\n`);
  return dir;
}

export interface RunningSample {
  child: ChildProcess;
  /** Standard output and error together, as a terminal shows them. */
  output(): string;
  stdout(): string;
  /** Resolves with the first match of `pattern` in everything printed so far; fails if the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts `node file` in `dir`, the way the guide's Run line does, keeping what it prints. */
export function runNode(dir: string, file: string, env: Record<string, string> = {}): RunningSample {
  return run(process.execPath, [file], dir, env);
}

/** Runs a shell script the way a developer pastes it into a terminal. */
export function runShell(dir: string, file: string): RunningSample {
  return run('/bin/sh', [file], dir, {});
}

function run(command: string, args: string[], dir: string, env: Record<string, string>): RunningSample {
  const { NODE_OPTIONS: _options, ...inherited } = process.env;
  const child = spawn(command, args, { cwd: dir, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onData(chunk);
  });
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const listener of listeners) listener();
    resolve(code);
  }));
  let ended = false;
  void exited.then(() => { ended = true; });
  return {
    child,
    output: () => text,
    stdout: () => stdout,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (ended || child.exitCode !== null) {
            listeners.delete(check);
            reject(new Error(`the sample ended (exit ${child.exitCode}) without printing ${pattern}; it printed:\n${text}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** A loopback port nothing listens on right now, for a sample that listens where its redirect URI says. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Builds a Vite project folder (index.html and its module) with the project's own Vite, as `npx vite build` does. */
export function viteBuild(dir: string): string {
  const result = spawnSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error', '--outDir', 'dist'], {
    cwd: dir, encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
  return path.join(dir, 'dist');
}

/** Serves a built single-page app on a loopback port: its files, and index.html for every other path (the SPA fallback). */
export async function serveSpa(dist: string, port: number, host = '127.0.0.1'): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://app').pathname;
    const file = path.join(dist, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    const found = file.startsWith(dist) && pathname !== '/' && existsSync(file) ? file : path.join(dist, 'index.html');
    res.writeHead(200, { 'content-type': types[path.extname(found)] ?? 'application/octet-stream' }).end(readFileSync(found));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

/** Signs in on Sesame's page and presses Authorize on the consent screen that follows. */
export async function signInAndConsent(page: Page, credentials: { login: string; password: string }): Promise<void> {
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await signInOnPage(page, credentials);
  await page.getByRole('button', { name: 'Authorize', exact: true }).click();
}

/** A Python that has Flask and Authlib (Debian's python3-flask and python3-authlib), if the machine has one. */
export function pythonWithAuthlib(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((python) => spawnSync(python, ['-c', 'import authlib, flask, requests']).status === 0);
}

/** Runs a Python script the way the guide's Run line does. */
export function runPython(python: string, dir: string, file: string): RunningSample {
  return run(python, [file], dir, {});
}

export function hasCommand(command: string): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v ${command}`]).status === 0;
}

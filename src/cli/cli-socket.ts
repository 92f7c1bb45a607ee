import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, type Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { privateFolderMode } from '../db/private-folder.ts';
import type { Logger } from '../logger.ts';
import type { ProviderHolder } from '../oidc/provider-holder.ts';
import type { Sealer } from '../secrets/sealed.ts';
import type { Throttle } from '../throttle/throttle.service.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import { commands, runCommand, type CommandName } from './commands.ts';
import { describeError } from './describe-error.ts';

/**
 * The embedded database belongs to one process, so while the server runs the CLI hands it its commands over a Unix
 * socket. Whoever connects may send any command, so only the user running Sesame may: the socket sits in a folder of
 * its own, mode 700, which no other user can pass through whatever the socket's mode, from the moment it is bound,
 * and whatever the data folder's mode (an existing one is left as it is); the socket is made 600 as well.
 */
export function cliSocketPath(dataDir: string): string {
  return path.join(dataDir, 'run', 'sesame.sock');
}

/** Makes the socket's folder, or takes an existing one back to its owner alone; refuses one that is not Sesame's. */
function prepareSocketFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: privateFolderMode });
  const found = lstatSync(folder);
  if (!found.isDirectory() || found.uid !== process.getuid?.()) {
    throw new ConfigError([`SESAME_DATA_DIR: ${folder} is not a folder of the user running Sesame; move it away and start again`]);
  }
  if ((found.mode & 0o077) !== 0) chmodSync(folder, privateFolderMode);
}

export interface CliRequest {
  command: string;
  options: unknown;
}

export type CliResponse = { ok: true; result: unknown } | { ok: false; error: string };

export interface CliListener {
  close(): Promise<void>;
}

interface Runtime {
  config: Config;
  db: Db;
  sealer: Sealer;
  providers: ProviderHolder;
  logger: Logger;
  throttle: Throttle;
  recovery: RecoveryDeps;
}

function parseRequest(line: string): Partial<CliRequest> | undefined {
  try {
    const request: unknown = JSON.parse(line);
    return typeof request === 'object' && request !== null ? request as Partial<CliRequest> : undefined;
  } catch {
    return undefined;
  }
}

async function answer(runtime: Runtime, line: string): Promise<CliResponse> {
  const request = parseRequest(line);
  if (!request) return { ok: false, error: 'the request is not a JSON object' };
  try {
    if (typeof request.command !== 'string' || !Object.hasOwn(commands, request.command)) {
      return { ok: false, error: `unknown command: ${String(request.command)}` };
    }
    const result = await runCommand({
      db: runtime.db,
      sealer: runtime.sealer,
      config: runtime.config,
      throttle: runtime.throttle,
      recovery: runtime.recovery,
      issuer: runtime.providers.provider.issuer,
      keysChanged: async () => { await runtime.providers.refresh(); },
    }, request.command as CommandName, request.options);
    return { ok: true, result };
  } catch (error) {
    const described = describeError(error);
    if (!described.expected) runtime.logger.error({ err: error }, 'cli command failed');
    return { ok: false, error: described.message };
  }
}

export async function listenForCli(dataDir: string, runtime: Runtime): Promise<CliListener> {
  const file = cliSocketPath(dataDir);
  prepareSocketFolder(path.dirname(file));
  rmSync(file, { force: true });
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 1_000_000) return socket.destroy();
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      void answer(runtime, buffer.slice(0, newline)).then((response) => {
        socket.end(`${JSON.stringify(response)}\n`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  chmodSync(file, 0o600);
  return {
    close: () => new Promise<void>((resolve) => server.close(() => {
      rmSync(file, { force: true });
      resolve();
    })),
  };
}

/** Sends one command to the running server and returns its answer. */
export function sendToServer(dataDir: string, request: CliRequest): Promise<CliResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(cliSocketPath(dataDir));
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => { buffer += chunk; });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(buffer) as CliResponse);
      } catch {
        reject(new Error('the running Sesame server gave no answer'));
      }
    });
    socket.on('error', reject);
  });
}

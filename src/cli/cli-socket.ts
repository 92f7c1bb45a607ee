import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { ProviderHolder } from '../oidc/provider-holder.ts';
import type { Sealer } from '../secrets/sealed.ts';
import type { Throttle } from '../throttle/throttle.service.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import { commands, runCommand, type CommandName } from './commands.ts';
import { describeError } from './describe-error.ts';

/**
 * The embedded database belongs to one process, so while the server runs the CLI hands it its commands
 * over a Unix socket in the data folder. Only its owner can connect to it: it is created mode 0600.
 */
export function cliSocketPath(dataDir: string): string {
  return path.join(dataDir, 'sesame.sock');
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
    // Made 0600 as it is bound (listen binds at once in a process that is not a cluster worker), so that under a
    // loose umask no other user can connect between its creation and a chmod; the chmod stays for any other case.
    const umask = process.umask(0o177);
    try {
      server.listen(file, () => resolve());
    } finally {
      process.umask(umask);
    }
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

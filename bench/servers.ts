/** What every benchmark needs to run Sesame as `npm start` does: its command, a free port, and waiting until it answers. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * How `npm start` runs Sesame (package.json): its environment settings and Node's flags. `flagsOverride` replaces
 * the flags, to compare.
 */
export function startCommand(root: string, flagsOverride?: string): { env: Record<string, string>; flags: string[] } {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const start = /((?:\w+=\S+ )*)node ((?:--\S+ )*)src\/main\.ts start\b/.exec(scripts.start);
  if (!start) throw new Error('package.json\'s start script does not run `[VAR=value …] node [flags] src/main.ts start`');
  const env = Object.fromEntries(start[1]!.split(' ').filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));
  return { env, flags: (flagsOverride ?? start[2]!).split(' ').filter(Boolean) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntilUp(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was up (see bench/results/*.log)`);
    try {
      // Sesame listens before its handler is attached; a request accepted in between is never answered, so each
      // try gives up after a while rather than waiting forever.
      const res = await fetch(`${base}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${base} did not come up`);
}

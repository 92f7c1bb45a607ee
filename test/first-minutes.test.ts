import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { startSesame } from '../src/server.ts';
import { createTestDatabase } from './support/database.ts';

/** What a new admin meets before Sesame serves anything: the install and where the server listens. */
describe('a fresh install', () => {
  it('approves, in package.json, every install script the lockfile holds, so npm neither warns nor (in npm 12) blocks the pinned Node', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where, entry]) => ({ name: where.replace(/^.*node_modules\//, ''), version: entry.version }));
    expect(withScripts.map((p) => p.name)).toContain('node');
    for (const { name, version } of withScripts) {
      const approval = manifest.allowScripts?.[`${name}@${version}`] ?? manifest.allowScripts?.[name];
      expect(approval, `${name}@${version} runs an install script: approve (or deny) it in package.json "allowScripts"`).toBeTypeOf('boolean');
    }
  });
});

describe('where Sesame listens without HOST', () => {
  it('is this machine only for a local trial, and every address once the issuer is public', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ SESAME_ISSUER: 'http://localhost:3300' }).host).toBe('127.0.0.1');
    expect(loadConfig({ SESAME_ISSUER: 'http://127.0.0.1:3300' }).host).toBe('127.0.0.1');
    expect(loadConfig({ SESAME_ISSUER: 'https://id.example.com' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '::1', SESAME_ISSUER: 'https://id.example.com' }).host).toBe('::1');
  });

  it('a started trial answers on loopback and refuses connections to the machine\'s other addresses', async () => {
    const database = await createTestDatabase();
    const sesame = await startSesame(loadConfig({ PORT: '0', SESAME_LOG_LEVEL: 'silent', ...database.env }), createLogger('silent'));
    try {
      expect((await fetch(`http://127.0.0.1:${sesame.port}/readyz`)).status).toBe(200);
      const outside = Object.values(os.networkInterfaces()).flat()
        .filter((address) => address && address.family === 'IPv4' && !address.internal)
        .map((address) => address!.address);
      for (const address of outside) expect(await connects(address, sesame.port), address).toBe(false);
    } finally {
      await sesame.close();
      await database.drop();
    }
  });
});

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

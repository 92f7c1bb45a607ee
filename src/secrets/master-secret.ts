import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { privateFolderMode } from '../db/private-folder.ts';
import { ConfigError } from '../config/config.ts';

/**
 * The master secret encrypts private keys at rest. With a PostgreSQL server every node must share it,
 * so it is required; with the embedded database it is generated once into the data folder.
 */
export function resolveMasterSecret(config: Pick<Config, 'secret' | 'databaseUrl' | 'dataDir'>): string {
  if (config.secret) return config.secret;
  if (config.databaseUrl) {
    throw new ConfigError([
      'SESAME_SECRET: required with DATABASE_URL, and the same on every node (for example `export SESAME_SECRET=$(openssl rand -base64 32)`)',
    ]);
  }
  const file = path.join(config.dataDir, 'secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true, mode: privateFolderMode });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from './schema.ts';

export interface Config {
  port: number;
  host: string;
  trustProxy: boolean;
  /** Issuer given explicitly; otherwise derived from the bound port once listening. */
  issuer: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  secret: string | undefined;
  /** Processes serving HTTP (`auto` resolved); more than one only with `databaseUrl`. */
  workers: number;
  logLevel: string;
  signingAlg: 'RS256' | 'ES256';
  keyRefreshSeconds: number;
  /** The admin console's static build. */
  consoleDir: string;
  /** How long a node caches the sign-in experience (seconds). */
  settingsCacheSeconds: number;
  throttle: ThrottleSettings;
  /** Lifetime of the device cookie (seconds). */
  deviceCookieTtl: number;
  ttl: {
    session: number;
    interaction: number;
    code: number;
    accessToken: number;
    idToken: number;
    refreshToken: number;
    grant: number;
    setupLink: number;
  };
}

/** Limits on guessing secrets (src/throttle/); durations in seconds. */
export interface ThrottleSettings {
  failures: number;
  delay: number;
  maxDelay: number;
  accountFailures: number;
  accountLock: number;
  accountMaxLock: number;
  deviceFailures: number;
  ipFailures: number;
  clientFailures: number;
  signUps: number;
  signUpWindow: number;
  memory: number;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the environment through the schema; a bad value names the key and how to fix it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(configSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.SESAME_ISSUER !== undefined) assertBareOrigin(e.SESAME_ISSUER);
  return {
    port: e.PORT,
    host: e.HOST,
    trustProxy: e.SESAME_TRUST_PROXY,
    issuer: e.SESAME_ISSUER?.replace(/\/$/, ''),
    dataDir: path.resolve(e.SESAME_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    secret: e.SESAME_SECRET,
    workers: resolveWorkers(e.SESAME_WORKERS, e.DATABASE_URL),
    logLevel: e.SESAME_LOG_LEVEL,
    signingAlg: e.SESAME_SIGNING_ALG,
    keyRefreshSeconds: e.SESAME_KEY_REFRESH_SECONDS,
    consoleDir: e.SESAME_CONSOLE_DIR ? path.resolve(e.SESAME_CONSOLE_DIR) : fileURLToPath(new URL('../../console/dist', import.meta.url)),
    settingsCacheSeconds: e.SESAME_SETTINGS_CACHE_SECONDS,
    throttle: {
      failures: e.SESAME_THROTTLE_FAILURES,
      delay: e.SESAME_THROTTLE_DELAY,
      maxDelay: e.SESAME_THROTTLE_MAX_DELAY,
      accountFailures: e.SESAME_THROTTLE_ACCOUNT_FAILURES,
      accountLock: e.SESAME_THROTTLE_ACCOUNT_LOCK,
      accountMaxLock: e.SESAME_THROTTLE_ACCOUNT_MAX_LOCK,
      deviceFailures: e.SESAME_THROTTLE_DEVICE_FAILURES,
      ipFailures: e.SESAME_THROTTLE_IP_FAILURES,
      clientFailures: e.SESAME_THROTTLE_CLIENT_FAILURES,
      signUps: e.SESAME_THROTTLE_SIGN_UPS,
      signUpWindow: e.SESAME_THROTTLE_SIGN_UP_WINDOW,
      memory: e.SESAME_THROTTLE_MEMORY,
    },
    deviceCookieTtl: e.SESAME_DEVICE_COOKIE_TTL,
    ttl: {
      session: e.SESAME_SESSION_TTL,
      interaction: e.SESAME_INTERACTION_TTL,
      code: e.SESAME_CODE_TTL,
      accessToken: e.SESAME_ACCESS_TOKEN_TTL,
      idToken: e.SESAME_ID_TOKEN_TTL,
      refreshToken: e.SESAME_REFRESH_TOKEN_TTL,
      grant: e.SESAME_GRANT_TTL,
      setupLink: e.SESAME_SETUP_LINK_TTL,
    },
  };
}

function assertBareOrigin(issuer: string) {
  const url = new URL(issuer);
  const problems: string[] = [];
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    problems.push(`SESAME_ISSUER: must be an origin without path, query or credentials, like ${url.origin}`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/** `auto` is one worker per core, or the one process the embedded database allows; a number above 1 needs PostgreSQL. */
function resolveWorkers(workers: number | 'auto', databaseUrl: string | undefined): number {
  if (workers === 'auto') return databaseUrl ? os.availableParallelism() : 1;
  if (workers > 1 && !databaseUrl) {
    throw new ConfigError([`SESAME_WORKERS: ${workers} workers need DATABASE_URL; the embedded database belongs to one process (use 1, or \`auto\`)`]);
  }
  return workers;
}

/** Markdown reference of every setting, generated from the schema. */
export function configReference(): string {
  const rows = Object.entries(configSchema.shape).map(([key, field]) => {
    const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as { default?: unknown };
    const fallback = json.default === undefined ? '—' : `\`${String(json.default)}\``;
    return `| \`${key}\` | ${fallback} | ${field.description ?? ''} |`;
  });
  return [
    '# Configuration',
    '',
    'Sesame reads its settings from environment variables. Generated from `src/config/schema.ts` by `npm run docs:config`; do not edit by hand.',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

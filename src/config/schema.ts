import { z } from 'zod';

/**
 * Every setting Sesame reads, with its default and documentation next to it.
 * `docs/configuration.md` is generated from this schema (`npm run docs:config`).
 */
const seconds = (fallback: number, what: string) =>
  z.coerce.number().int().positive().max(10 * 365 * 24 * 3600).default(fallback).describe(`${what} (seconds).`);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3300)
    .describe('TCP port the HTTP server listens on. 0 picks a free port.'),
  HOST: z.string().min(1).default('0.0.0.0')
    .describe('Address the HTTP server binds to.'),
  SESAME_TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true')
    .describe('Trust X-Forwarded-Proto and X-Forwarded-For from a reverse proxy that terminates TLS in front of Sesame.'),
  SESAME_ISSUER: z.url({ protocol: /^https?$/ }).optional()
    .describe('Public base URL of this IdP, without a path (for example `https://id.example.com`). Defaults to `http://localhost:$PORT`.'),
  SESAME_DATA_DIR: z.string().min(1).default('./data')
    .describe('Folder of the embedded database (PGlite) and, without `SESAME_SECRET`, of the generated master secret.'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional()
    .describe('PostgreSQL server to use instead of the embedded database. Every node of a cluster points at the same one.'),
  SESAME_SECRET: z.string().min(32, 'must be at least 32 characters (for example `openssl rand -base64 32`)').optional()
    .describe('Master secret that encrypts private keys at rest. Generated into the data folder for the embedded database; required with `DATABASE_URL` and shared by all nodes.'),
  SESAME_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)], { error: 'must be a whole number from 1 to 256, or `auto`' })
    .default(1).describe('Processes serving this node\'s port, to use more than one CPU core: a number, or `auto` for one per core. More than one needs `DATABASE_URL`; on the embedded database, which belongs to one process, `auto` means 1.'),
  SESAME_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('Log level of the structured (JSON lines) log on standard output.'),
  SESAME_SIGNING_ALG: z.enum(['RS256', 'ES256']).default('RS256')
    .describe('Default algorithm of ID tokens and JWT access tokens. Keys for both are always published.'),
  SESAME_KEY_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(30)
    .describe('How often a node checks the database for rotated keys (seconds).'),
  SESAME_SESSION_TTL: seconds(14 * 24 * 3600, 'Lifetime of a sign-in session'),
  SESAME_INTERACTION_TTL: seconds(3600, 'Time a user has to finish a sign-in page'),
  SESAME_CODE_TTL: seconds(60, 'Lifetime of an authorization code'),
  SESAME_ACCESS_TOKEN_TTL: seconds(3600, 'Lifetime of an access token'),
  SESAME_ID_TOKEN_TTL: seconds(3600, 'Lifetime of an ID token'),
  SESAME_REFRESH_TOKEN_TTL: seconds(14 * 24 * 3600, 'Default lifetime of a refresh token'),
  SESAME_GRANT_TTL: seconds(180 * 24 * 3600, 'Lifetime of a remembered grant (consent)'),
  SESAME_SETUP_LINK_TTL: seconds(24 * 3600, 'Lifetime of the one-time link printed at start-up to create the first admin'),
  SESAME_SETTINGS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5)
    .describe('How long a node keeps the sign-in experience settings before reading them again (seconds); a change shows on every node within this time.'),
  SESAME_CONSOLE_DIR: z.string().min(1).optional()
    .describe('Folder of the admin console\'s build, served at `/console`. Defaults to `console/dist` of this installation.'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigEnv = z.output<typeof configSchema>;

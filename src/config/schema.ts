import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Every setting Sesame reads, written once: the key the code reads it by (`config.ttl.session`), the environment
 * variable it comes from, its rules, default and documentation. `Config` is inferred from it, and
 * `docs/configuration.md` is generated from it (`npm run docs:config`).
 */
interface Setting<S extends z.ZodType = z.ZodType> { env: string; schema: S }
interface SettingTree { [key: string]: Setting | SettingTree }
type SettingValues<T> = { [K in keyof T]: T[K] extends Setting<infer S> ? z.output<S> : SettingValues<T[K]> };

/** A setting: the environment variable it is read from, and its schema (rules, default and documentation). */
function setting<S extends z.ZodType>(env: string, schema: S): Setting<S> {
  return { env, schema };
}

const isSetting = (node: Setting | SettingTree): node is Setting => node.schema instanceof z.ZodType;

function flatten(tree: SettingTree): { path: string[]; setting: Setting }[] {
  return Object.entries(tree).flatMap(([key, node]) => (isSetting(node)
    ? [{ path: [key], setting: node }]
    : flatten(node).map((leaf) => ({ ...leaf, path: [key, ...leaf.path] }))));
}

function unflatten(tree: SettingTree, env: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(tree).map(([key, node]) => [key, isSetting(node) ? env[node.env] : unflatten(node, env)]));
}

const seconds = (fallback: number, what: string) =>
  z.coerce.number().int().positive().max(10 * 365 * 24 * 3600).default(fallback).describe(`${what} (seconds).`);

const count = (fallback: number, what: string) =>
  z.coerce.number().int().min(1).max(1_000_000).default(fallback).describe(what);

export const settings = {
  port: setting('PORT', z.coerce.number().int().min(0).max(65535).default(3300)
    .describe('TCP port the HTTP server listens on. 0 picks a free port.')),
  /** Resolved once the whole config is read (see `configFromEnv`): it depends on the issuer. */
  host: setting('HOST', z.string().min(1).optional()
    .describe('Address the HTTP server binds to. Without it, Sesame listens on the loopback address (`127.0.0.1`, this machine only) while `SESAME_ISSUER` is unset or names a loopback host — the local trial — and on every address (`0.0.0.0`) once `SESAME_ISSUER` names a host other machines reach. Set `HOST=0.0.0.0` to reach a local trial from another machine or from outside a container.')),
  trustProxy: setting('SESAME_TRUST_PROXY', z.enum(['true', 'false']).default('false').transform((v) => v === 'true')
    .describe('Trust X-Forwarded-For from a reverse proxy in front of Sesame. (The scheme and host always come from `SESAME_ISSUER`, never from X-Forwarded-Proto or X-Forwarded-Host.) The client IP (for throttling and the audit trail) is then the address the nearest proxy appended, the last of X-Forwarded-For; without it, the address of the connection. Set it only when every request comes through that proxy, or clients could choose their IP.')),
  /** Issuer given explicitly, without a trailing slash; otherwise derived from the bound port once listening. */
  issuer: setting('SESAME_ISSUER', z.url({ protocol: /^https?$/ }).optional()
    .superRefine(bareOrigin).transform((issuer) => issuer?.replace(/\/$/, ''))
    .describe('Public base URL of this IdP, without a path (for example `https://id.example.com`). Defaults to `http://localhost:$PORT`.')),
  dataDir: setting('SESAME_DATA_DIR', z.string().min(1).default('./data')
    .transform((dir) => path.resolve(dir))
    .describe('Folder of the embedded database (PGlite) and, without `SESAME_SECRET`, of the generated master secret. Created, when missing, for the user running Sesame alone (mode 700); the embedded database\'s folder in it is always kept so.')),
  databaseUrl: setting('DATABASE_URL', z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional()
    .describe('PostgreSQL server to use instead of the embedded database. Every node of a cluster points at the same one.')),
  preparedStatements: setting('SESAME_DATABASE_PREPARED_STATEMENTS', z.enum(['true', 'false']).default('true').transform((v) => v === 'true')
    .describe('Whether the statements every token request runs are prepared once per PostgreSQL connection (named statements), which spares the server parsing and planning them each time. Set `false` behind a connection pooler in transaction mode that does not keep prepared statements (PgBouncer before 1.21, or without `max_prepared_statements`).')),
  secret: setting('SESAME_SECRET', z.string().min(32, 'must be at least 32 characters (for example `openssl rand -base64 32`)').optional()
    .describe('Master secret that encrypts private keys at rest. Generated into the data folder for the embedded database; required with `DATABASE_URL` and shared by all nodes.')),
  /** Processes serving HTTP; `auto` is resolved once the whole config is read (see `configFromEnv`). */
  workers: setting('SESAME_WORKERS', z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)], { error: 'must be a whole number from 1 to 256, or `auto`' })
    .default(1).describe('Processes serving this node\'s port, to use more than one CPU core: a number, or `auto` for one per core. More than one needs `DATABASE_URL`; on the embedded database, which belongs to one process, `auto` means 1.')),
  logLevel: setting('SESAME_LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('Log level of the structured (JSON lines) log on standard output.')),
  signingAlg: setting('SESAME_SIGNING_ALG', z.enum(['RS256', 'ES256']).default('RS256')
    .describe('Default algorithm of ID tokens and JWT access tokens. Keys for both are always published.')),
  keyRefreshSeconds: setting('SESAME_KEY_REFRESH_SECONDS', z.coerce.number().int().min(1).max(3600).default(30)
    .describe('How often a node checks the database for rotated keys (seconds).')),
  ttl: {
    session: setting('SESAME_SESSION_TTL', seconds(14 * 24 * 3600, 'Lifetime of a sign-in session, counted again from each use (the stored expiry is moved on once it trails by 1 % of this, an hour at most, so a session used over and over is not rewritten each time)')),
    interaction: setting('SESAME_INTERACTION_TTL', seconds(3600, 'Time a user has to finish a sign-in page')),
    code: setting('SESAME_CODE_TTL', seconds(60, 'Lifetime of an authorization code')),
    accessToken: setting('SESAME_ACCESS_TOKEN_TTL', seconds(3600, 'Lifetime of an access token of a first-party app, and of a machine-to-machine token; an API resource may set its own')),
    thirdPartyAccessToken: setting('SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL', seconds(300, 'Lifetime of an access token of a third-party app, unless the app or the API resource sets a shorter one (the shortest wins). An API checks a JWT access token on its own until it expires, so this is how long *Revoke access* may take to stop such an app; opaque tokens (an API resource\'s choice) and userinfo tokens stop at once')),
    idToken: setting('SESAME_ID_TOKEN_TTL', seconds(3600, 'Lifetime of an ID token')),
    refreshToken: setting('SESAME_REFRESH_TOKEN_TTL', seconds(14 * 24 * 3600, 'Default lifetime of a refresh token')),
    grant: setting('SESAME_GRANT_TTL', seconds(180 * 24 * 3600, 'Lifetime of a remembered grant (consent)')),
    setupLink: setting('SESAME_SETUP_LINK_TTL', seconds(24 * 3600, 'Lifetime of the one-time link printed at start-up to create the first admin')),
    recentSignIn: setting('SESAME_RECENT_SIGN_IN_SECONDS', seconds(600, 'How recent a sign-in `/account` asks for before it adds or removes a second factor or passkey or shows new recovery codes; an older one signs in again first (password and second factor), so a stolen account-page session cannot add its own passkey')),
    passwordReset: setting('SESAME_PASSWORD_RESET_TTL', seconds(30 * 60, 'Lifetime of a password reset link sent by email; it works once. OWASP asks for a short life; 30 minutes leave time for a slow mail server')),
    emailVerification: setting('SESAME_EMAIL_VERIFICATION_TTL', seconds(24 * 3600, 'Lifetime of an email verification link and its code; each works once')),
    deviceCode: setting('SESAME_DEVICE_CODE_TTL', seconds(600, 'Lifetime of a device code and its user code (RFC 8628 device flow): the time a person has to enter the code shown on a TV or in a terminal and sign in. RFC 8628 suggests 10 to 15 minutes')),
  },
  /** Sending email (src/email/). */
  email: {
    smtpUrl: setting('SESAME_SMTP_URL', z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, like smtps://user:password@smtp.example.com:465' }).optional()
      .describe('SMTP server that sends Sesame\'s email (password reset, email verification, security notices): `smtps://user:password@host:465` (TLS from the start) or `smtp://user:password@host:587` (STARTTLS when the server offers it); percent-encode special characters of the user and password. Without it, on the embedded database, messages are kept in an outbox that admins read in the console (Emails) and the CLI (`outbox list`); with `DATABASE_URL`, features that need email say they are unavailable.')),
    from: setting('SESAME_EMAIL_FROM', z.string().trim().max(320).optional().transform((value, ctx) => {
      if (value === undefined) return undefined;
      const sender = parseSender(value);
      if (!sender) ctx.addIssue({ code: 'custom', message: 'must be an email address, optionally with a name: `no-reply@example.com` or `Example <no-reply@example.com>`' });
      return sender;
    }).describe('Sender of Sesame\'s email: `no-reply@example.com`, or `Example <no-reply@example.com>` to fix the name too. Without a name, the product name of the sign-in experience is shown. Defaults to `no-reply@` the issuer\'s host.')),
    retryDelay: setting('SESAME_EMAIL_RETRY_DELAY', seconds(30, 'Wait before a message that could not be sent is tried again; it doubles with each further failure up to `SESAME_EMAIL_MAX_RETRY_DELAY`. Messages wait in the database, so a restart or an SMTP outage loses none')),
    maxRetryDelay: setting('SESAME_EMAIL_MAX_RETRY_DELAY', seconds(3600, 'Longest wait between two tries of a message')),
    giveUpAfter: setting('SESAME_EMAIL_GIVE_UP_AFTER', seconds(3 * 24 * 3600, 'How long Sesame keeps trying to send a message before it marks it failed (admins can send it again from the console or with `outbox retry`)')),
  },
  consentDurations: setting('SESAME_CONSENT_DURATIONS', z.enum(['true', 'false']).default('false').transform((v) => v === 'true')
    .describe('Whether consent screens let the person choose how long their decision lasts: *for this time only* (nothing is remembered and the next sign-in asks again; no refresh token), *for 30 days*, or *until I revoke* (the default choice). Each app may say otherwise (`consent_durations`). Without the choice, a decision lasts `SESAME_GRANT_TTL`.')),
  settingsCacheSeconds: setting('SESAME_SETTINGS_CACHE_SECONDS', z.coerce.number().int().min(0).max(3600).default(5)
    .describe('How long a node keeps the sign-in experience settings, and whether dynamic registration is on (for discovery), before reading them again (seconds); a change shows on every node within this time.')),
  /** Limits on guessing secrets (src/throttle/); durations in seconds. */
  throttle: {
    failures: setting('SESAME_THROTTLE_FAILURES', count(5, 'Failed attempts at one secret from one client IP before Sesame makes that IP wait: a password for one account key (what was typed, whether or not the account exists), a client secret for one `client_id`, the setup link. After that each failure makes it wait `SESAME_THROTTLE_DELAY` seconds, doubling up to `SESAME_THROTTLE_MAX_DELAY`; a success starts again from zero. OWASP asks for a growing delay rather than a hard lock; Keycloak waits 1 minute more per failure up to 15 minutes. Five lets a person make a few typos without waiting at all.')),
    delay: setting('SESAME_THROTTLE_DELAY', seconds(60, 'First wait once `SESAME_THROTTLE_FAILURES` is reached; each further failure doubles it. The same growth applies to the per-device and per-IP limits')),
    maxDelay: setting('SESAME_THROTTLE_MAX_DELAY', seconds(15 * 60, 'Longest wait of the per-account-and-IP, per-device and per-IP limits (Keycloak\'s default maximum wait is 15 minutes)')),
    accountFailures: setting('SESAME_THROTTLE_ACCOUNT_FAILURES', count(10, 'Failed sign-ins at one account key from all IPs together (a botnet) before the account is locked to browsers it has never signed in from; browsers holding its device cookie keep signing in. The lock lasts `SESAME_THROTTLE_ACCOUNT_LOCK` seconds and doubles with each further failure up to `SESAME_THROTTLE_ACCOUNT_MAX_LOCK`, so a botnet gets about ten guesses and then a handful a day. Auth0 blocks after 10 failures; NIST SP 800-63B allows at most 100.')),
    accountLock: setting('SESAME_THROTTLE_ACCOUNT_LOCK', seconds(3600, 'First lock of an account once `SESAME_THROTTLE_ACCOUNT_FAILURES` is reached; doubles with each further failure')),
    accountMaxLock: setting('SESAME_THROTTLE_ACCOUNT_MAX_LOCK', seconds(24 * 3600, 'Longest lock of an account')),
    deviceFailures: setting('SESAME_THROTTLE_DEVICE_FAILURES', count(10, 'Failed sign-ins from a browser holding the account\'s device cookie (it signed in to that account before) before it waits, as `SESAME_THROTTLE_FAILURES` does. More generous because the browser has proved itself; it replaces the per-IP and per-account limits for that browser, so nobody can lock the real user out.')),
    ipFailures: setting('SESAME_THROTTLE_IP_FAILURES', count(50, 'Failed sign-ins from one client IP across all accounts (credential stuffing) before that IP waits, growing as `SESAME_THROTTLE_DELAY` says. Auth0 throttles an IP after 100 failures a day; 50 leaves room for an office behind one address.')),
    clientFailures: setting('SESAME_THROTTLE_CLIENT_FAILURES', count(10, 'Failed client secrets for one `client_id` from one IP at the token, introspection and revocation endpoints before that IP waits for that client, growing as `SESAME_THROTTLE_DELAY` says (the right secret is refused too while it waits; other IPs are not held back). Generated secrets cannot be guessed, so this only stops hammering; machines retry, so it is more generous than for passwords.')),
    signUps: setting('SESAME_THROTTLE_SIGN_UPS', count(10, 'Self-registrations one client IP may submit per `SESAME_THROTTLE_SIGN_UP_WINDOW`; more get 429 until the window ends. A person signs up once; ten leave room for a classroom behind one address.')),
    signUpWindow: setting('SESAME_THROTTLE_SIGN_UP_WINDOW', seconds(3600, 'Window of `SESAME_THROTTLE_SIGN_UPS`')),
    registrations: setting('SESAME_THROTTLE_REGISTRATIONS', count(20, 'Dynamic client registrations (RFC 7591, `/oidc/reg`) one client IP may submit per `SESAME_THROTTLE_REGISTRATION_WINDOW`; more get 429 until the window ends. A client that registers again with the same metadata gets its entry back, so an agent that registers on every connect stays well below it.')),
    registrationWindow: setting('SESAME_THROTTLE_REGISTRATION_WINDOW', seconds(3600, 'Window of `SESAME_THROTTLE_REGISTRATIONS`')),
    recoveryEmails: setting('SESAME_THROTTLE_RECOVERY_EMAILS', count(5, 'Emails one account key (what was typed, whether or not the account exists) may be sent per `SESAME_THROTTLE_RECOVERY_WINDOW`: password reset links and verification codes. More get 429 until the window ends, which keeps anyone from flooding a person\'s inbox.')),
    recoveryIp: setting('SESAME_THROTTLE_RECOVERY_IP', count(20, 'Password resets and verification emails one client IP may ask for per `SESAME_THROTTLE_RECOVERY_WINDOW`, whatever the accounts; more get 429 until the window ends.')),
    recoveryWindow: setting('SESAME_THROTTLE_RECOVERY_WINDOW', seconds(3600, 'Window of `SESAME_THROTTLE_RECOVERY_EMAILS` and `SESAME_THROTTLE_RECOVERY_IP`')),
    memory: setting('SESAME_THROTTLE_MEMORY', seconds(24 * 3600, 'How long failures are remembered: counts start again this long after the first failure counted (Keycloak forgets after 12 hours)')),
  },
  logoutRetrySeconds: setting('SESAME_LOGOUT_RETRY_SECONDS', z.coerce.number().int().min(1).max(3600).default(5)
    .describe('Back-channel logout tokens an app did not accept (an error status, or no answer within 2.5 s) are delivered again from a queue in the database, by any node, across restarts: first after this many seconds, then three times later each time, at most an hour apart, for a day; after that the delivery is given up and recorded as the audit event `logout.delivery_failed`.')),
  devicePollInterval: setting('SESAME_DEVICE_POLL_INTERVAL', z.coerce.number().int().min(1).max(60).default(5)
    .describe('Seconds a device waits between two polls of the token endpoint in the device flow (RFC 8628 `interval`, 5 by default); a device that polls sooner is answered `slow_down` and must wait 5 seconds longer from then on.')),
  allowLoopbackMetadata: setting('SESAME_ALLOW_LOOPBACK_METADATA', z.enum(['true', 'false']).default('false').transform((v) => v === 'true')
    .describe('Let Sesame fetch URLs that strangers name (client ID metadata documents, key sets, logout endpoints) from loopback addresses (`127.0.0.0/8`, `::1`): for tests and local development only, and logged as a warning at start. Off, as it must be in production, those fetches reach only public addresses: never loopback, private networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT or other special-use addresses, whatever the host name resolves to. A local Sesame (loopback issuer) still delivers back-channel logout tokens to apps on loopback hosts.')),
  deviceCookieTtl: setting('SESAME_DEVICE_COOKIE_TTL', seconds(365 * 24 * 3600, 'Lifetime of the device cookie a browser gets when it signs in, which exempts it from the per-account lock (OWASP "device cookies")')),
  defaultResource: setting('SESAME_DEFAULT_RESOURCE', z.url({ protocol: /^https?$/ }).optional()
    .describe('Indicator of a registered API resource that an authorization names when the app sends no `resource` (RFC 8707) and has no default resource of its own, so clients that never send one (some AI agents) still get an audience-bound JWT access token with the resource\'s scopes they were granted. The app\'s allowlist and the user\'s roles apply as for any resource; an app that may use none of its scopes, or requests none, is served as without it. Machine-to-machine apps (client credentials) and built-in apps (the console, the account page) never use it.')),
  /** DPoP (RFC 9449), src/oidc/dpop.ts. */
  dpop: {
    requireNonce: setting('SESAME_DPOP_REQUIRE_NONCE', z.enum(['never', 'public', 'always']).default('public')
      .describe('Which DPoP proofs must carry a server nonce (`DPoP-Nonce`, RFC 9449 §8), answered `use_dpop_nonce` with a fresh nonce otherwise: `public` (proofs sent to the token endpoint by public clients, whose proof is the only thing binding their tokens: a nonce stops proofs made in advance), `always` (every proof, at the userinfo endpoint too) or `never`. Nonces are always issued and accepted; they are derived from `SESAME_SECRET`, so a nonce from one node is good on every node, for about three minutes.')),
  },
  /** The admin console's static build. */
  consoleDir: setting('SESAME_CONSOLE_DIR', z.string().min(1).optional()
    .transform((dir) => (dir ? path.resolve(dir) : fileURLToPath(new URL('../../console/dist', import.meta.url))))
    .describe('Folder of the admin console\'s build, served at `/console`. Defaults to `console/dist` of this installation.')),
};

/** The environment variables, flat, as they are read and documented (docs/configuration.md). */
export const configSchema = z.object(Object.fromEntries(flatten(settings).map(({ setting }) => [setting.env, setting.schema])));

/** Reads the environment into the configuration the code uses, with the settings that depend on others resolved. */
export const configFromEnv = configSchema.transform((env, ctx): Config => {
  const config = unflatten(settings, env) as Settings;
  const workers = resolveWorkers(config.workers, config.databaseUrl);
  if (typeof workers === 'string') {
    ctx.addIssue({ code: 'custom', path: [settings.workers.env], message: workers });
    return z.NEVER;
  }
  return { ...config, workers, host: config.host ?? defaultHost(config.issuer) };
});

type Settings = SettingValues<typeof settings>;

/** What the code reads: each setting under its key, with `workers` a number. */
export type Config = Omit<Settings, 'workers' | 'host'> & {
  /** Processes serving HTTP (`auto` resolved); more than one only with `databaseUrl`. */
  workers: number;
  /** Address the HTTP server binds to (the default resolved). */
  host: string;
};

/**
 * Loopback unless the issuer says other machines reach Sesame: a trial on a laptop is not offered to the café's
 * network, and a deployment (which has a public issuer) listens on every address as before.
 */
function defaultHost(issuer: string | undefined): string {
  if (!issuer) return '127.0.0.1';
  const { hostname } = new URL(issuer);
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname) ? '127.0.0.1' : '0.0.0.0';
}

/** `auto` is one worker per core, or the one process the embedded database allows; a number above 1 needs PostgreSQL. */
function resolveWorkers(workers: number | 'auto', databaseUrl: string | undefined): number | string {
  if (workers === 'auto') return databaseUrl ? os.availableParallelism() : 1;
  if (workers > 1 && !databaseUrl) {
    return `${workers} workers need DATABASE_URL; the embedded database belongs to one process (use 1, or \`auto\`)`;
  }
  return workers;
}

/** `addr@host` or `Name <addr@host>`; undefined when it is neither. */
export function parseSender(value: string): { name?: string; address: string } | undefined {
  const named = /^(.*?)\s*<([^<>\s]+)>$/.exec(value);
  const name = named?.[1]?.replace(/^"(.*)"$/, '$1').trim();
  const address = named ? named[2]! : value;
  if (!z.email().safeParse(address).success || /[\p{C}]/u.test(name ?? '')) return undefined;
  return name ? { name, address } : { address };
}

function bareOrigin(issuer: string | undefined, ctx: z.RefinementCtx) {
  if (issuer === undefined || !URL.canParse(issuer)) return;
  const url = new URL(issuer);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: `must be an origin without path, query or credentials, like ${url.origin}` });
  }
}

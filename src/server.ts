import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/config.ts';
import type { ChangeFeed } from './db/change-feed.ts';
import type { Db } from './db/database.ts';
import { embeddedVacuumIntervalMs, vacuumEmbedded } from './db/embedded-vacuum.ts';
import { createApp, requestHandler } from './app.ts';
import { withRequestLog } from './http/request-log.ts';
import { createCsrfTokens } from './interaction/csrf.ts';
import { createLogger, type Logger } from './logger.ts';
import { deleteExpiredModels } from './oidc/adapter.ts';
import { checkGlobalDefaultResource } from './oidc/resources.ts';
import { deleteExpiredDevicePolls } from './oidc/device-polls.repository.ts';
import { removeUnusedDynamicApps } from './registration/dynamic-app-lifecycle.service.ts';
import { ProviderHolder } from './oidc/provider-holder.ts';
import type { Sealer } from './secrets/sealed.ts';
import { openRuntime } from './runtime.ts';
import { listenForCli, type CliListener } from './cli/cli-socket.ts';
import { ensureAccountClient } from './account/account-client.ts';
import { ensureConsoleClient } from './console/console-client.ts';
import { issueSetupToken } from './console/setup.service.ts';
import { cachedSignInExperience } from './sign-in-experience/sign-in-experience.service.ts';
import { createDirectory, type Directory } from './cache/directory.ts';
import { ArtifactCache } from './oidc/artifact-cache.ts';
import { createDeviceCookies } from './throttle/device-cookie.ts';
import { deleteEndedBlocks } from './throttle/throttle.repository.ts';
import { deleteExpiredChallenges } from './passkeys/webauthn-challenge.repository.ts';
import { Throttle } from './throttle/throttle.service.ts';
import { LogoutDelivery } from './logout/logout-delivery.ts';
import { deleteFinishedNotifications } from './logout/logout-notification.repository.ts';
import { deleteActivityOfEndedSessions } from './sessions/session.repository.ts';
import { emailDeliveryOf, howToEnableEmail, senderAddress } from './email/delivery.ts';
import { deleteOldEmails } from './email/email.repository.ts';
import { EmailSender } from './email/email-sender.ts';
import { smtpTransport } from './email/smtp.ts';
import { deleteEndedEmailTokens } from './recovery/email-token.repository.ts';
import { assembleRecovery, type RecoveryDeps } from './recovery/recovery-deps.ts';

export interface Sesame {
  config: Config;
  issuer: string;
  port: number;
  db: Db;
  /** This node's cache of apps, resources and users (src/cache/directory.ts). */
  directory: Directory;
  /** Committed changes to what this node caches, as it hears them (src/db/change-feed.ts). */
  changes: ChangeFeed;
  sealer: Sealer;
  providers: ProviderHolder;
  /** Limits on guessing secrets (src/throttle/). */
  throttle: Throttle;
  /** This node's share of delivering back-channel logout tokens (src/logout/). */
  logoutDelivery: LogoutDelivery;
  /** Email, and what is proved through it (src/email/, src/recovery/). */
  recovery: RecoveryDeps;
  /** The address Sesame's email comes from. */
  emailFrom: string;
  /** This node's share of sending the email queue, when an SMTP server is set up. */
  emailSender?: EmailSender;
  logger: Logger;
  close(): Promise<void>;
}

/** Days sent, failed and outbox messages are kept (what they said is dropped once delivered). */
const emailKeepDays = 30;

/** Days delivered and failed logout notifications stay visible to admins. */
const logoutKeepDays = 7;

/** Says once, at start, how this node reaches people by email. */
function announceEmailDelivery(config: Config, logger: Logger): void {
  const delivery = emailDeliveryOf(config);
  if (delivery === 'off') logger.warn({ email: delivery }, `email is off: password reset by email and email verification are unavailable; ${howToEnableEmail}`);
  if (delivery === 'outbox') logger.info({ email: delivery }, 'no SMTP server: emails are kept in the outbox (console: Emails; CLI: outbox list)');
}

/** How this node reaches itself: the bound address, or loopback when bound to every address. */
function loopbackAddress(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Where the setup link goes: the operator's terminal (standard output), never the log. */
export type Printer = (text: string) => void;

export function terminalPrinter(config: Config): Printer {
  return config.logLevel === 'silent' ? () => {} : (text) => { process.stdout.write(text); };
}

/**
 * First run: while no admin exists, a one-time link to create one, printed for the operator. The token is a
 * credential: logs are collected, shipped and kept, so the log only says that a link was printed.
 * Every node that starts issues its own (with several workers, their primary does, once); all stop working once an
 * admin exists.
 */
export async function announceSetupLink(db: Db, issuer: string, config: Config, logger: Logger, print: Printer = terminalPrinter(config)): Promise<void> {
  const token = await issueSetupToken(db, config.ttl.setupLink);
  if (!token) return;
  const url = `${issuer}/console/setup?token=${token}`;
  logger.warn({ setupLinkPrinted: true, expiresInSeconds: config.ttl.setupLink }, 'no admin exists yet: a one-time setup link to create the first admin was printed to the terminal');
  print(`\nNo admin exists yet. Create the first one with this one-time link (valid ${Math.round(config.ttl.setupLink / 3600)} h):\n\n  ${url}\n\n`);
}

export interface StartOptions {
  /**
   * One of several workers sharing the port (src/workers.ts). It is given its port, and binds it only once ready:
   * the primary hands each new connection to the next worker listening, so a worker still starting would get its
   * share and answer 503. The primary announces the setup link, once for all.
   */
  worker?: boolean;
  /** Where the first-run setup link is printed; standard output by default. */
  print?: Printer;
}

export async function startSesame(config: Config, logger = createLogger(config.logLevel), options: StartOptions = {}): Promise<Sesame> {
  const { db, changes, pool, sealer, lock, masterSecret } = await openRuntime(config, logger);
  const directory = createDirectory(db, changes);
  const artifacts = new ArtifactCache(changes);
  const throttle = new Throttle(db, config.throttle, { pool, blockEnds: directory.blockEnd });
  const timers: NodeJS.Timeout[] = [];
  let cli: CliListener | undefined;
  let logoutDelivery: LogoutDelivery | undefined;
  let emailSender: EmailSender | undefined;
  // The port is bound before the issuer (which may name it) is known; until the app is ready, requests get a 503.
  let handle: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"status":"starting"}');
  };
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 15_000, maxHeaderSize: 16_384 }, (req, res) => handle(req, res));
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  try {
    if (!options.worker) await listen();
    const port = options.worker ? config.port : (server.address() as AddressInfo).port;
    const issuer = config.issuer ?? `http://localhost:${port}`;
    await ensureAccountClient(db, issuer, masterSecret);
    await ensureConsoleClient(db, issuer);
    await changes.start();
    if (!options.worker) await checkGlobalDefaultResource({ db, directory, config, issuer }, (message) => logger.warn(message));
    const emailFrom = senderAddress(config, issuer);
    if (config.email.smtpUrl) {
      emailSender = new EmailSender({ db, sealer, transport: smtpTransport(config.email.smtpUrl), fromAddress: emailFrom, settings: config.email, logger });
    }
    const recovery = assembleRecovery({ db, sealer, throttle, config, issuer, logger, queued: () => emailSender?.wake() });
    const providers = await ProviderHolder.create({ config, issuer, db, directory, artifacts, logger, throttle, masterSecret }, sealer);
    const internalUrl = `http://${loopbackAddress(config.host)}:${port}`;
    const app = createApp({
      db, directory, providers, csrf: createCsrfTokens(masterSecret), logger, issuer, internalUrl, masterSecret,
      consoleDir: config.consoleDir, throttle, trustProxy: config.trustProxy, recovery, emailFrom,
      recentSignInSeconds: config.ttl.recentSignIn,
      consentTtlSeconds: config.ttl.grant,
      consentDurations: config.consentDurations,
      accessTokenDefaults: config.ttl,
      devices: createDeviceCookies(masterSecret, { secure: issuer.startsWith('https:'), ttlSeconds: config.deviceCookieTtl }),
      signInExperience: cachedSignInExperience(db, config.settingsCacheSeconds * 1000),
    });
    handle = withRequestLog(logger, requestHandler(app, providers, issuer));
    if (options.worker) await listen();
    logoutDelivery = new LogoutDelivery({ db, provider: () => providers.provider, logger, retrySeconds: config.logoutRetrySeconds });
    logoutDelivery.start();
    emailSender?.start();
    announceEmailDelivery(config, logger);
    if (config.allowLoopbackMetadata) logger.warn({ allowLoopbackMetadata: true }, 'SESAME_ALLOW_LOOPBACK_METADATA is on: Sesame fetches client metadata documents and other URLs from loopback addresses; never use this in production');

    timers.push(setInterval(() => {
      providers.refresh().catch((error) => logger.error({ err: error }, 'key refresh failed'));
    }, config.keyRefreshSeconds * 1000));
    timers.push(setInterval(() => {
      deleteExpiredModels(db).catch((error) => logger.error({ err: error }, 'expired artifact clean-up failed'));
      deleteExpiredDevicePolls(db).catch((error) => logger.error({ err: error }, 'expired device polls clean-up failed'));
      deleteEndedBlocks(db).catch((error) => logger.error({ err: error }, 'ended throttle blocks clean-up failed'));
      deleteExpiredChallenges(db).catch((error) => logger.error({ err: error }, 'expired WebAuthn challenges clean-up failed'));
      deleteActivityOfEndedSessions(db).catch((error) => logger.error({ err: error }, 'ended sessions clean-up failed'));
      deleteFinishedNotifications(db, logoutKeepDays).catch((error) => logger.error({ err: error }, 'finished logout notifications clean-up failed'));
      deleteOldEmails(db, emailKeepDays).catch((error) => logger.error({ err: error }, 'old emails clean-up failed'));
      deleteEndedEmailTokens(db).catch((error) => logger.error({ err: error }, 'ended email links clean-up failed'));
      removeUnusedDynamicApps(db).catch((error) => logger.error({ err: error }, 'unused dynamic apps clean-up failed'));
    }, 10 * 60 * 1000));
    if (!config.databaseUrl) {
      timers.push(setInterval(() => {
        vacuumEmbedded(db).then(
          (tables) => { if (tables.length) logger.debug({ tables }, 'embedded database vacuumed'); },
          (error) => logger.error({ err: error }, 'embedded database vacuum failed'),
        );
      }, embeddedVacuumIntervalMs));
    }
    for (const timer of timers) timer.unref();

    const sesame: Sesame = {
      config, issuer, port, db, directory, changes, sealer, providers, logger, throttle, recovery, emailFrom, emailSender, logoutDelivery,
      async close() {
        for (const timer of timers) clearInterval(timer);
        await cli?.close();
        // Deliveries under way finish; what is still queued waits in the database for the next node.
        await logoutDelivery?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Requests still running after the grace period are cut off rather than holding shutdown forever.
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        // Work requests started, then sends under way; what is still queued waits in the database.
        await recovery.background.drain();
        await emailSender?.stop();
        directory.close();
        artifacts.close();
        await changes.stop();
        await db.destroy();
        lock?.release();
      },
    };
    if (!config.databaseUrl) cli = await listenForCli(config.dataDir, sesame);
    logger.info({ issuer, host: config.host, port, database: config.databaseUrl ? 'postgresql' : 'embedded' }, 'sesame started');
    if (!options.worker) await announceSetupLink(db, issuer, config, logger, options.print);
    return sesame;
  } catch (error) {
    for (const timer of timers) clearInterval(timer);
    await cli?.close();
    await logoutDelivery?.stop();
    await emailSender?.stop();
    server.close();
    directory.close();
    artifacts.close();
    await changes.stop();
    await db.destroy();
    lock?.release();
    throw error;
  }
}

import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { EmailBrand } from '../email/email-layout.ts';
import { createMailer, type Mailer } from '../email/mailer.ts';
import type { Logger } from '../logger.ts';
import type { Sealer } from '../secrets/sealed.ts';
import { BackgroundTasks } from '../tasks/background-tasks.ts';
import type { Throttle } from '../throttle/throttle.service.ts';

/** What recovery and verification by email work with (assembled once per node in src/server.ts). */
export interface RecoveryDeps {
  db: Db;
  mailer: Mailer;
  /** Seals the codes of verification emails. */
  sealer: Sealer;
  throttle: Throttle;
  /** Every link Sesame emails is built from it, never from a request's Host. */
  issuer: string;
  ttl: { passwordReset: number; emailVerification: number };
  background: BackgroundTasks;
}

/** The language and look of the page that triggered a message: the message is written in both. */
export interface Letter {
  locale: string;
  brand: EmailBrand;
}

/** Where a request came from, for throttling and the audit trail. */
export interface Origin {
  ip: string;
  userAgent?: string;
}

/** Where the links in Sesame's emails lead (src/account/email-link.routes.ts serves them). */
export const resetPasswordPath = '/account/reset-password';
export const verifyEmailPath = '/account/verify-email';

export const linkTo = (issuer: string, path: string, token: string) => `${issuer}${path}?token=${token}`;

export interface RecoveryAssembly {
  db: Db;
  sealer: Sealer;
  throttle: Throttle;
  config: Pick<Config, 'databaseUrl' | 'email' | 'ttl'>;
  issuer: string;
  logger: Logger;
  /** Told when a message was queued (this node's sender, which then sends it at once). */
  queued?: () => void;
}

/** Recovery's dependencies as a node (or the CLI) has them. */
export function assembleRecovery({ db, sealer, throttle, config, issuer, logger, queued }: RecoveryAssembly): RecoveryDeps {
  return {
    db, sealer, throttle, issuer,
    mailer: createMailer({ db, sealer, config, queued }),
    ttl: { passwordReset: config.ttl.passwordReset, emailVerification: config.ttl.emailVerification },
    background: new BackgroundTasks(logger),
  };
}

import type { Config } from '../config/config.ts';

/**
 * How Sesame reaches people by email:
 * - `smtp`: through the SMTP server of SESAME_SMTP_URL, from the durable queue (src/email/email-sender.ts);
 * - `outbox`: no SMTP server, on the embedded database (one person or a team trying Sesame out): messages are kept
 *   for admins to read in the console and the CLI, and the features that need email work through them;
 * - `off`: no SMTP server on a PostgreSQL deployment, where an outbox would be a silent dead end: features that need
 *   email say they are unavailable, and admins are told how to turn it on.
 */
export type EmailDelivery = 'smtp' | 'outbox' | 'off';

export function emailDeliveryOf(config: Pick<Config, 'databaseUrl' | 'email'>): EmailDelivery {
  if (config.email.smtpUrl) return 'smtp';
  return config.databaseUrl ? 'off' : 'outbox';
}

/** Whether a message reaches someone: a person through SMTP, or an admin through the outbox. */
export const canSendEmail = (delivery: EmailDelivery): boolean => delivery !== 'off';

/** The address Sesame's email comes from: SESAME_EMAIL_FROM, else no-reply at the issuer's host. */
export function senderAddress(config: Pick<Config, 'email'>, issuer: string): string {
  return config.email.from?.address ?? `no-reply@${new URL(issuer).hostname.replace(/^\[|\]$/g, '')}`;
}

/** What tells an admin how to turn email on, where it is off. */
export const howToEnableEmail = 'set SESAME_SMTP_URL (and SESAME_EMAIL_FROM) to an SMTP server and restart Sesame';

import type { Db } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { Sealer } from '../secrets/sealed.ts';
import type { Config } from '../config/config.ts';
import { sealContent } from './email-content.ts';
import type { EmailKind } from './email-kinds.ts';
import type { ComposedEmail } from './email-layout.ts';
import { canSendEmail, emailDeliveryOf, type EmailDelivery } from './delivery.ts';
import { insertEmail } from './email.repository.ts';

/** A message to queue: what it says (both parts), to whom, and what it is about. */
export interface OutgoingEmail extends ComposedEmail {
  kind: EmailKind;
  to: string;
  locale: string;
  userId?: string | null;
  /** The sign-in experience's product name: the sender's name unless SESAME_EMAIL_FROM names one. */
  productName: string;
}

/**
 * Where every message goes: into the `emails` table, in the caller's transaction when it passes one. Sending
 * happens apart (src/email/email-sender.ts), so a request never waits for an SMTP server, and a message written is
 * never lost to a restart or an outage.
 */
export interface Mailer {
  readonly delivery: EmailDelivery;
  /** Whether messages reach anyone (SMTP or the outbox); without, features that need email say so. */
  readonly available: boolean;
  /** Queues `email`; its id, or undefined when email is off and nothing was queued. */
  send(email: OutgoingEmail, db?: Db): Promise<string | undefined>;
}

export interface MailerDeps {
  db: Db;
  sealer: Sealer;
  config: Pick<Config, 'databaseUrl' | 'email'>;
  /** Told when a message was queued, so this node's sender takes it at once rather than at its next look. */
  queued?: () => void;
}

export function createMailer({ db, sealer, config, queued }: MailerDeps): Mailer {
  const delivery = emailDeliveryOf(config);
  return {
    delivery,
    available: canSendEmail(delivery),
    async send(email, executor = db) {
      if (!canSendEmail(delivery)) return undefined;
      const id = newId('msg_');
      await insertEmail(executor, {
        id,
        kind: email.kind,
        user_id: email.userId ?? null,
        recipient: email.to,
        locale: email.locale,
        sender_name: config.email.from?.name ?? email.productName,
        subject: email.subject,
        content: await sealContent(sealer, email),
        status: delivery === 'smtp' ? 'pending' : 'outbox',
      });
      if (delivery === 'smtp') queued?.();
      return id;
    },
  };
}

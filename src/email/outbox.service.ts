import type { Db } from '../db/database.ts';
import type { EmailStatus } from '../db/tables.ts';
import { assertThat, ServiceError } from '../errors.ts';
import type { PageRequest } from '../pagination.ts';
import type { Sealer } from '../secrets/sealed.ts';
import { howToEnableEmail, type EmailDelivery } from './delivery.ts';
import { openContent, type EmailContent } from './email-content.ts';
import { countEmailsByStatus, findEmail, queryEmails, requeueEmail, type EmailFilter, type EmailRow } from './email.repository.ts';

/** What admins see of the messages Sesame sends (the console's Emails page, `outbox` in the CLI, /api/emails). */

export type EmailSummary = Omit<EmailRow, 'content'>;

const summary = ({ content: _content, ...rest }: EmailRow): EmailSummary => rest;

const notFound = (id: string) => new ServiceError('email.not_found', `no email with id ${JSON.stringify(id)}`, 404);

export async function listEmails(db: Db, filter: EmailFilter, page: PageRequest) {
  const { rows, total, nextCursor } = await queryEmails(db, filter, page);
  return { emails: rows.map(summary), total, nextCursor };
}

/** A message with what it says; `content` is null once it was delivered (Sesame keeps no copy of a sent link). */
export async function getEmail(db: Db, sealer: Sealer, id: string): Promise<EmailSummary & { content: EmailContent | null }> {
  const email = await findEmail(db, id);
  assertThat(email, () => notFound(id));
  return { ...summary(email), content: email.content ? await openContent(sealer, email.content) : null };
}

/**
 * Sends a message again: one that failed (after the SMTP server was fixed, say), or, once SMTP is set up, one
 * that waited in the outbox. Its links work only while they have not expired.
 */
export async function retryEmail(db: Db, delivery: EmailDelivery, id: string): Promise<EmailSummary> {
  const email = await findEmail(db, id);
  assertThat(email, () => notFound(id));
  assertThat(delivery === 'smtp', () => new ServiceError('email.delivery_unavailable', `no SMTP server is set up to send it: ${howToEnableEmail}`, 409));
  assertThat(email.status === 'failed' || email.status === 'outbox', () => new ServiceError('email.not_retryable', `only a failed message or one from the outbox can be sent again; this one is ${email.status}`, 409));
  assertThat(email.content !== null, () => new ServiceError('email.not_retryable', 'this message no longer has its content', 409));
  const requeued = await requeueEmail(db, id, ['failed', 'outbox']);
  assertThat(requeued, () => notFound(id));
  return summary(requeued);
}

export interface EmailDeliveryStatus {
  delivery: EmailDelivery;
  /** The sender's address, when email goes out through SMTP. */
  from: string | null;
  counts: Record<EmailStatus, number>;
  /** What an admin does to have email sent, when it is not. */
  hint: string | null;
}

export async function emailDeliveryStatus(db: Db, delivery: EmailDelivery, from: string): Promise<EmailDeliveryStatus> {
  const hints: Record<EmailDelivery, string | null> = {
    smtp: null,
    outbox: `no SMTP server is set up: messages are kept here for admins to read; to send them, ${howToEnableEmail}`,
    off: `email is off: no SMTP server is set up, so password reset by email and email verification are unavailable; ${howToEnableEmail}`,
  };
  return { delivery, from: delivery === 'smtp' ? from : null, counts: await countEmailsByStatus(db), hint: hints[delivery] };
}

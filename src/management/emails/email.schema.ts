import { z } from 'zod';
import { emailKinds } from '../../email/email-kinds.ts';
import type { EmailDeliveryStatus, EmailSummary } from '../../email/outbox.service.ts';
import type { EmailContent } from '../../email/email-content.ts';
import { idParam, pageQuery, pageSchema, timestamp } from '../common.schema.ts';

/** Management API shapes of the messages Sesame sends (the outbox, and the queue of SMTP delivery). */

const statuses = ['pending', 'sent', 'failed', 'outbox'] as const;
const deliveries = ['smtp', 'outbox', 'off'] as const;

export const emailSchema = z.object({
  id: z.string(),
  kind: z.enum(emailKinds).describe('What it is about'),
  user_id: z.string().nullable().describe('The account it concerns'),
  recipient: z.string(),
  locale: z.string().describe('The language it is written in: that of the page that triggered it'),
  sender_name: z.string(),
  subject: z.string(),
  status: z.enum(statuses).describe('`pending` (queued for SMTP, tried again after failures), `sent`, `failed` (refused for good, or given up after SESAME_EMAIL_GIVE_UP_AFTER), `outbox` (kept for admins to read: no SMTP server on the embedded database)'),
  attempts: z.number().int().describe('Tries so far'),
  next_attempt_at: timestamp.nullable().describe('When the next try is due, while pending'),
  last_error: z.string().nullable().describe('What the SMTP server or the connection said at the last failed try'),
  created_at: timestamp,
  sent_at: timestamp.nullable(),
}).meta({ id: 'Email' });

export const emailWithContentSchema = emailSchema.extend({
  text: z.string().nullable().describe('The plain-text part; null once delivered (Sesame keeps no copy of a sent link)'),
  html: z.string().nullable().describe('The HTML part; null once delivered'),
}).meta({ id: 'EmailWithContent' });

export const emailListQuery = z.object({
  status: z.enum(statuses).meta({ title: 'Status', description: 'Only the messages in this state' }).optional(),
  user_id: idParam('User ID').optional(),
  ...pageQuery,
});

export const emailListSchema = z.object({ data: z.array(emailSchema), ...pageSchema });

export const emailParams = z.object({ id: idParam('Email ID') });

export const emailDeliverySchema = z.object({
  delivery: z.enum(deliveries).describe('`smtp` (SESAME_SMTP_URL), `outbox` (no SMTP server, embedded database: messages are kept for admins to read) or `off` (no SMTP server with DATABASE_URL: password reset by email and email verification are unavailable)'),
  from: z.string().nullable().describe('Sender address, when email goes out through SMTP'),
  counts: z.object({ pending: z.number().int(), sent: z.number().int(), failed: z.number().int(), outbox: z.number().int() }),
  hint: z.string().nullable().describe('What to do to have email sent, when it is not'),
}).meta({ id: 'EmailDelivery' });

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);

export function toApiEmail(email: EmailSummary): z.input<typeof emailSchema> {
  return {
    id: email.id,
    kind: email.kind as z.input<typeof emailSchema>['kind'],
    user_id: email.user_id,
    recipient: email.recipient,
    locale: email.locale,
    sender_name: email.sender_name,
    subject: email.subject,
    status: email.status,
    attempts: email.attempts,
    next_attempt_at: email.status === 'pending' ? iso(email.next_attempt_at) : null,
    last_error: email.last_error,
    created_at: iso(email.created_at)!,
    sent_at: iso(email.sent_at),
  };
}

export function toApiEmailWithContent(email: EmailSummary & { content: EmailContent | null }): z.input<typeof emailWithContentSchema> {
  return { ...toApiEmail(email), text: email.content?.text ?? null, html: email.content?.html ?? null };
}

export const toApiEmailDelivery = (status: EmailDeliveryStatus): z.input<typeof emailDeliverySchema> => status;

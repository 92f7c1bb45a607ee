import { z } from 'zod';
import { emailDeliveryOf, senderAddress } from '../email/delivery.ts';
import { emailDeliveryStatus, getEmail, listEmails, retryEmail, type EmailSummary } from '../email/outbox.service.ts';
import { createLogger, stderrLog } from '../logger.ts';
import { sendVerificationForAdmin } from '../recovery/admin-verification.service.ts';
import { assembleRecovery, type RecoveryDeps } from '../recovery/recovery-deps.ts';
import { Throttle } from '../throttle/throttle.service.ts';
import { command, type CommandContext } from './command.ts';
import { limit, offset, oneOf } from './options.ts';
import { fields, table } from './output.ts';

/**
 * CLI commands for email: the outbox (every message Sesame wrote, and, without SMTP on the embedded database, the
 * only place to read them), how email is delivered, and verification emails.
 */

const issuerOf = (ctx: CommandContext) => ctx.issuer ?? ctx.config.issuer ?? `http://localhost:${ctx.config.port}`;

/** The server's own when the command runs inside it; else the CLI's, whose queued messages the running nodes send. */
function recoveryOf(ctx: CommandContext): RecoveryDeps {
  return ctx.recovery ?? assembleRecovery({
    db: ctx.db, sealer: ctx.sealer, throttle: ctx.throttle ?? new Throttle(ctx.db, ctx.config.throttle), config: ctx.config,
    issuer: issuerOf(ctx), logger: ctx.logger ?? createLogger(ctx.config.logLevel, stderrLog()),
  });
}

const id = z.string({ error: '--id is required' }).min(1, '--id is required');
const statuses = ['pending', 'sent', 'failed', 'outbox'] as const;
const when = (value: Date | string | null) => (value ? new Date(value).toISOString() : '');

const listRow = (e: EmailSummary) => ({
  id: e.id, created_at: when(e.created_at), status: e.status, kind: e.kind, to: e.recipient, subject: e.subject, attempts: e.attempts,
});

export const emailCommands = {
  'outbox status': command({
    summary: 'Show how email is delivered (smtp, outbox or off) and how many messages are in each state',
    usage: 'outbox status',
    options: {},
    input: z.object({}),
    run: async (ctx) => emailDeliveryStatus(ctx.db, emailDeliveryOf(ctx.config), senderAddress(ctx.config, issuerOf(ctx))),
    format: (s: { delivery: string; from: string | null; counts: Record<string, number>; hint: string | null }) => [
      `delivery: ${s.delivery}${s.from ? ` (from ${s.from})` : ''}`,
      `messages: ${Object.entries(s.counts).map(([status, n]) => `${n} ${status}`).join(', ')}`,
      ...(s.hint ? [s.hint] : []),
    ].join('\n'),
  }),

  'outbox list': command({
    summary: 'List the emails Sesame wrote, newest first (password resets, verification codes, security notices)',
    usage: `outbox list [--status ${statuses.join('|')}] [--user-id U] [--limit N] [--offset N]`,
    options: { status: { type: 'string' }, 'user-id': { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    input: z.object({ status: oneOf('--status', statuses).optional(), 'user-id': z.string().optional(), limit, offset }),
    async run({ db }, input) {
      const page = await listEmails(db, { status: input.status, userId: input['user-id'] }, { limit: input.limit, offset: input.offset });
      return { total: page.total, emails: page.emails };
    },
    format: (r: { total: number; emails: EmailSummary[] }) =>
      (r.emails.length ? `${table(r.emails.map(listRow))}\n(${r.emails.length} of ${r.total})` : 'no emails'),
  }),

  'outbox show': command({
    summary: 'Show an email with its plain-text part (--html: its HTML part); kept until it is delivered',
    usage: 'outbox show --id ID [--html]',
    options: { id: { type: 'string' }, html: { type: 'boolean' } },
    input: z.object({ id, html: z.boolean().optional() }),
    run: async (ctx, input) => ({ ...await getEmail(ctx.db, ctx.sealer, input.id), show_html: input.html ?? false }),
    format: (e: EmailSummary & { content: { text: string; html: string } | null; show_html: boolean }) => [
      fields({
        id: e.id, status: e.status, kind: e.kind, to: e.recipient, from: e.sender_name, subject: e.subject, language: e.locale,
        created_at: when(e.created_at), sent_at: when(e.sent_at), attempts: e.attempts, ...(e.last_error ? { last_error: e.last_error } : {}),
      }),
      '',
      e.content ? (e.show_html ? e.content.html : e.content.text) : '(its content was dropped once it was delivered)',
    ].join('\n'),
  }),

  'outbox retry': command({
    summary: 'Send a failed email again (or one from the outbox, once SMTP is set up)',
    usage: 'outbox retry --id ID',
    options: { id: { type: 'string' } },
    input: z.object({ id }),
    run: async (ctx, input) => retryEmail(ctx.db, emailDeliveryOf(ctx.config), input.id),
    format: (e: EmailSummary) => `queued email ${e.id} to ${e.recipient} again`,
  }),

  'users send-verification': command({
    summary: 'Send a user a verification email (a link and a code); email_verified becomes true once they use it',
    usage: 'users send-verification --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id }),
    run: async (ctx, input) => sendVerificationForAdmin(recoveryOf(ctx), input.id),
    format: (r: { email: string }) => `sent a verification email to ${r.email}`,
  }),
};

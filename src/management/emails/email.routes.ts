import { z } from 'zod';
import { clientIp } from '../../http/client-ip.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { emailDeliveryStatus, getEmail, listEmails, retryEmail } from '../../email/outbox.service.ts';
import { sendVerificationForAdmin } from '../../recovery/admin-verification.service.ts';
import type { RecoveryDeps } from '../../recovery/recovery-deps.ts';
import { toApiPage } from '../common.schema.ts';
import { userParams } from '../users/user.schema.ts';
import {
  emailDeliverySchema, emailListQuery, emailListSchema, emailParams, emailSchema, emailWithContentSchema, toApiEmail,
  toApiEmailDelivery, toApiEmailWithContent,
} from './email.schema.ts';

export interface EmailRouteDeps {
  recovery: RecoveryDeps;
  /** The address Sesame's email comes from. */
  fromAddress: string;
}

const tag = 'Emails';

/** The messages Sesame sends: the outbox admins read without SMTP, the queue and its failures with it. */
export function emailRoutes({ recovery, fromAddress }: EmailRouteDeps): Route[] {
  const { db, sealer, mailer } = recovery;
  return [
    defineRoute({
      method: 'get', path: '/email-delivery', tag, operationId: 'getEmailDelivery',
      summary: 'How email is delivered',
      description: 'Whether email goes out through SMTP, is kept in the outbox (no SMTP server, embedded database) or is off (no SMTP server with DATABASE_URL), and how many messages are in each state.',
      response: emailDeliverySchema,
      handle: async () => toApiEmailDelivery(await emailDeliveryStatus(db, mailer.delivery, fromAddress)),
    }),
    defineRoute({
      method: 'get', path: '/emails', tag, operationId: 'listEmails',
      summary: 'List emails',
      description: 'Newest first: every message Sesame wrote (password resets, verification codes, security notices) with its delivery status. Filter by `status` and `user_id`; page with `limit` and `offset`, or `cursor`.',
      query: emailListQuery,
      response: emailListSchema,
      async handle({ query }) {
        const page = await listEmails(db, { status: query.status, userId: query.user_id }, query);
        return toApiPage(page.emails.map(toApiEmail), page, query);
      },
    }),
    defineRoute({
      method: 'get', path: '/emails/:id', tag, operationId: 'getEmail',
      summary: 'Read an email',
      description: 'With its plain-text and HTML parts while Sesame keeps them: until it is delivered (an outbox message is kept). They may hold a working password reset link: treat them as secrets.',
      params: emailParams,
      response: emailWithContentSchema,
      problems: [404],
      handle: async ({ params, ctx }) => {
        ctx.set('Cache-Control', 'no-store');
        return toApiEmailWithContent(await getEmail(db, sealer, params.id));
      },
    }),
    defineRoute({
      method: 'post', path: '/emails/:id/retry', tag, operationId: 'retryEmail',
      summary: 'Send an email again',
      description: 'Puts a failed message, or one from the outbox once SMTP is set up, back in the queue, due now.',
      params: emailParams,
      response: emailSchema,
      problems: [404, 409],
      handle: async ({ params }) => toApiEmail(await retryEmail(db, mailer.delivery, params.id)),
    }),
    defineRoute({
      method: 'post', path: '/users/:id/verification-email', tag: 'Users', operationId: 'sendVerificationEmail',
      summary: 'Send a user a verification email',
      description: 'A link and a code that prove the user reads their address; `email_verified` becomes true once they use either. 409 when the user has no email or email is off.',
      params: userParams,
      response: z.object({ email: z.string().describe('Where it was sent') }),
      status: 202,
      problems: [404, 409],
      handle: async ({ params, ctx }) => sendVerificationForAdmin(recovery, params.id, { ip: clientIp(ctx.req, ctx.app.proxy), userAgent: ctx.get('user-agent') }),
    }),
  ];
}

import { z } from 'zod';
import { listAuditEvents } from '../../audit/audit.repository.ts';
import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { pageSchema } from '../common.schema.ts';
import { auditEventSchema, auditListQuery } from './audit.schema.ts';

export interface AuditRouteDeps {
  db: Db;
}

export function auditRoutes({ db }: AuditRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/audit-events', tag: 'Audit', operationId: 'listAuditEvents',
      summary: 'List audit events',
      description: 'Newest first: sign-in success and failure, consent given and revoked, lockouts, setup; who (with their username and name), which app (with its name), when, from where. Filter by `type`, `user_id`, `client_id`; page with `limit` and `offset`.',
      query: auditListQuery,
      response: z.object({ data: z.array(auditEventSchema), ...pageSchema }),
      async handle({ query }) {
        const { items, total } = await listAuditEvents(db, {
          type: query.type, userId: query.user_id, clientId: query.client_id, limit: query.limit, offset: query.offset,
        });
        return {
          data: items.map((e) => ({ ...e, created_at: e.created_at.toISOString() })),
          total,
          limit: query.limit,
          offset: query.offset,
        };
      },
    }),
  ];
}

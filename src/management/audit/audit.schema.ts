import { z } from 'zod';
import { auditEventTypes } from '../../audit/audit.repository.ts';
import { idParam, offsetPageQuery, timestamp } from '../common.schema.ts';

/** Management API shapes of the audit trail. */

export const auditEventSchema = z.object({
  id: z.string(),
  type: z.string().describe(`One of ${auditEventTypes.join(', ')}`),
  user_id: z.string().nullable(),
  username: z.string().nullable().describe("The user's username now; null when the event names no user or the user was deleted"),
  user_name: z.string().nullable().describe("The user's name now, when they have one"),
  client_id: z.string().nullable(),
  application_name: z.string().nullable().describe("The app's name now; null when the event names no app or the app was deleted"),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: timestamp,
}).meta({ id: 'AuditEvent' });

export const auditListQuery = z.object({
  type: z.enum(auditEventTypes).meta({ title: 'Event type' }).optional(),
  user_id: idParam('User ID').optional(),
  client_id: idParam('Client ID').optional(),
  ...offsetPageQuery,
});

import { recordAuditEvent, type AuditEventType, type RequestOrigin } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';

export type FactorChangeType = Extract<AuditEventType, `mfa.${string}`>;

export interface FactorChange {
  type: FactorChangeType;
  userId: string;
  /** Who made it: the person (on /account or while signing in), an admin (console, API) or the CLI. */
  by: 'user' | 'admin' | 'cli';
  origin?: RequestOrigin;
  clientId?: string;
  details?: Record<string, unknown>;
}

/**
 * Every change to a person's second factors goes through here: it is written to the audit trail, and this is the
 * one place where the person is also told of it by email (issue 13, "a notice to the user") once Sesame sends email.
 */
export async function recordFactorChange(db: Db, change: FactorChange): Promise<void> {
  await recordAuditEvent(db, {
    type: change.type,
    userId: change.userId,
    clientId: change.clientId,
    ...change.origin,
    details: { by: change.by, ...change.details },
  });
}

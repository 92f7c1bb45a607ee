import type { Db } from '../db/database.ts';
import { readableJson } from '../db/text.ts';
import { newId } from '../ids.ts';

export const auditEventTypes = [
  'sign_in.succeeded', 'sign_in.failed', 'consent.granted', 'consent.revoked', 'sign_up.succeeded', 'setup.admin_created',
  // A block started (src/throttle/): once when it starts, not for each request it refuses.
  'sign_in.throttled', 'account.locked', 'client_auth.throttled', 'sign_up.throttled', 'setup.throttled',
  'account.unlocked', 'recovery.throttled',
  // Recovery and verification by email (src/recovery/).
  'password_reset.requested', 'password_reset.completed', 'password.changed',
  'email_verification.sent', 'email.verified', 'email.change_requested', 'email.changed',
  // Written by the canonical-identities migration for accounts created before usernames were compared canonically.
  'user.identifier_collision', 'user.identifier_refused',
  // Second factors and passkeys (src/mfa/factor-changes.ts): each change, by the person or an admin.
  'mfa.totp_added', 'mfa.totp_removed', 'mfa.passkey_added', 'mfa.passkey_removed',
  'mfa.recovery_codes_generated', 'mfa.recovery_code_used', 'mfa.reset',
  // A wrong or replayed second factor at sign-in.
  'sign_in.second_factor_failed',
  // A Sesame session ended (src/sessions/); a back-channel logout token an app never accepted (src/logout/).
  'session.ended', 'logout.delivery_failed',
  // A consent ended by its expiry, or kept narrower after the app's allowlist shrank (src/consents/).
  'consent.expired', 'consent.narrowed',
  // An admin set a third-party app's consent policy or pre-approved permissions for everyone (admin consent).
  'consent.policy_changed',
] as const;
export type AuditEventType = (typeof auditEventTypes)[number];

export interface AuditEvent {
  type: AuditEventType;
  userId?: string | null;
  clientId?: string | null;
  /** Where from: the client's IP address and user agent. */
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

/** Where a change was asked from, as the audit trail records it (src/http/request-origin.ts reads it off a request). */
export type RequestOrigin = Pick<AuditEvent, 'ip' | 'userAgent'>;

/** Appends to the audit trail. Never holds secrets: a failed sign-in keeps the login typed, not the password. */
export async function recordAuditEvent(db: Db, event: AuditEvent): Promise<void> {
  await db.insertInto('audit_events').values({
    id: newId('evt_'),
    type: event.type,
    user_id: event.userId ?? null,
    client_id: event.clientId ?? null,
    ip: event.ip ?? null,
    user_agent: event.userAgent?.slice(0, 512) ?? null,
    // Details hold what a person typed (a login, say), which may be anything.
    details: readableJson(event.details ?? {}),
  }).execute();
}

export interface AuditQuery {
  type?: AuditEventType;
  userId?: string;
  clientId?: string;
  limit: number;
  offset: number;
}

/** Events newest first, each with the names of its user and app (null once they are deleted, or when there is none). */
export async function listAuditEvents(db: Db, query: AuditQuery) {
  let base = db.selectFrom('audit_events as e');
  if (query.type) base = base.where('e.type', '=', query.type);
  if (query.userId) base = base.where('e.user_id', '=', query.userId);
  if (query.clientId) base = base.where('e.client_id', '=', query.clientId);
  const [items, total] = await Promise.all([
    base.leftJoin('users as u', 'u.id', 'e.user_id').leftJoin('applications as a', 'a.id', 'e.client_id')
      .selectAll('e').select(['u.username', 'u.name as user_name', 'a.name as application_name'])
      .orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(query.limit).offset(query.offset).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

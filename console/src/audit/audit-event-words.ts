import type { AuditEvent, AuditEventType } from '../api/types.ts';

/**
 * Every audit event type in words. Typed by the server's list (src/audit/audit.repository.ts): a new type fails
 * `npm run typecheck` until it has its words here, and the filter offers exactly these.
 */
export const auditEventLabels: Record<AuditEventType, string> = {
  'sign_in.succeeded': 'Signed in',
  'sign_in.failed': 'Sign-in failed',
  'sign_in.throttled': 'Sign-in attempts slowed down',
  'account.locked': 'Account locked',
  'account.unlocked': 'Account unlocked',
  'consent.granted': 'Consent given',
  'consent.revoked': 'Access revoked',
  'consent.expired': 'Consent expired',
  'consent.narrowed': 'Consent narrowed to the app\'s permissions',
  'consent.policy_changed': 'Consent policy or admin consent changed',
  'sign_up.succeeded': 'Signed up',
  'sign_up.throttled': 'Sign-ups slowed down',
  'setup.admin_created': 'First admin created',
  'setup.throttled': 'Setup link attempts slowed down',
  'client_auth.throttled': 'Client secret attempts slowed down',
  'recovery.throttled': 'Password reset and verification emails slowed down',
  'password_reset.requested': 'Password reset requested',
  'password_reset.completed': 'Password reset by email',
  'password.changed': 'Password changed',
  'email_verification.sent': 'Verification email sent',
  'email.verified': 'Email verified',
  'email.change_requested': 'Email change requested',
  'email.changed': 'Email changed',
  'user.identifier_collision': 'Two accounts share a username or email',
  'user.identifier_refused': 'Username or email with refused characters',
  'mfa.totp_added': 'Authenticator app added',
  'mfa.totp_removed': 'Authenticator app removed',
  'mfa.passkey_added': 'Passkey added',
  'mfa.passkey_removed': 'Passkey removed',
  'mfa.recovery_codes_generated': 'New recovery codes',
  'mfa.recovery_code_used': 'Recovery code used',
  'mfa.reset': 'Two-step verification reset',
  'sign_in.second_factor_failed': 'Second factor refused',
  'session.ended': 'Session ended',
  'logout.delivery_failed': 'Back-channel logout not delivered',
};

export const auditEventTypes = Object.keys(auditEventLabels) as AuditEventType[];

const failureReasons: Record<string, string> = {
  unknown_user: 'no such account',
  wrong_password: 'wrong password',
  suspended: 'the account is suspended',
};

const factorChangers: Record<string, string> = {
  user: 'By the user',
  admin: 'By an admin',
  cli: 'From the command line',
};

const secondFactorFailures: Record<string, string> = {
  wrong_code: 'wrong code',
  replayed_code: 'a code already used',
  passkey_refused: 'passkey refused',
};

const secondFactorMethods: Record<string, string> = {
  totp: 'Authenticator app',
  recovery_code: 'Recovery code',
  passkey: 'Passkey',
};

const verificationCauses: Record<string, string> = {
  sign_up: 'at sign-up',
  user: 'at sign-in or from their account page',
  email_change: 'to a new address',
  admin: 'by an admin',
};

/** Why a session ended (src/sessions/session-end-reasons.ts), as the audit page says it. */
const sessionEndReasons: Record<string, string> = {
  signed_out: 'signed out through an app',
  ended_by_user: 'by the user, on their account page',
  ended_by_admin: 'by an admin',
  suspended: 'the account was suspended',
  deleted: 'the account was deleted',
  password_set: 'an admin set a new password',
  password_reset: 'the password was reset by email',
  password_changed: 'the user changed their password',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

function seconds(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  if (value < 120) return `${value} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  return `${Math.round(value / 3600)} h`;
}

/** One line saying what the details of an event mean; undefined when the type says it all. */
export function auditEventSummary(event: AuditEvent): string | undefined {
  const d = event.details;
  switch (event.type) {
    case 'sign_in.failed':
      return [text(d.login) && `Typed “${text(d.login)}”`, failureReasons[text(d.reason) ?? '']].filter(Boolean).join(': ') || undefined;
    case 'consent.granted': {
      const refused = list(d.refused);
      return [`Allowed ${list(d.granted).join(', ') || 'nothing'}`, refused.length ? `refused ${refused.join(', ')}` : ''].filter(Boolean).join('; ');
    }
    case 'consent.revoked': {
      const why = d.reason === 'suspended' ? ', who suspended the account' : d.reason === 'deleted' ? ', who deleted the account'
        : d.reason === 'admin_consent_withdrawn' ? ', who withdrew the pre-approval' : '';
      return d.by === 'admin' ? `By an admin${why}` : d.by === 'user' ? 'By the user, on their account page' : undefined;
    }
    case 'consent.policy_changed': {
      const withdrawn = list(d.withdrawn);
      return [`Policy “${text(d.policy) ?? 'remember'}”`, `pre-approved ${list(d.preapproved).join(', ') || 'nothing'}`, withdrawn.length ? `withdrew ${withdrawn.join(', ')}` : ''].filter(Boolean).join('; ');
    }
    case 'consent.narrowed':
      return `By an admin, who took away ${list(d.removed).join(', ') || 'permissions'} from the app`;
    case 'sign_in.throttled':
    case 'account.locked':
    case 'client_auth.throttled':
    case 'sign_up.throttled':
    case 'setup.throttled':
    case 'recovery.throttled':
      return [text(d.login) && `For “${text(d.login)}”`, typeof d.attempts === 'number' && `after ${d.attempts} attempts`, seconds(d.seconds) && `for ${seconds(d.seconds)}`]
        .filter(Boolean).join(' ') || undefined;
    case 'account.unlocked': {
      const by = text(d.by);
      return by === 'cli' ? 'From the command line' : by?.startsWith('app:') ? 'By an app with management access' : by ? 'By an admin' : undefined;
    }
    case 'sign_up.succeeded':
    case 'setup.admin_created':
      return text(d.username) && `As “${text(d.username)}”`;
    case 'email_verification.sent':
      return [text(d.email) && `To ${text(d.email)}`, verificationCauses[text(d.cause) ?? '']].filter(Boolean).join(', ') || undefined;
    case 'email.verified':
      return text(d.email);
    case 'email.change_requested':
    case 'email.changed':
      return text(d.to) && `${text(d.from) ? `From ${text(d.from)} to` : 'To'} ${text(d.to)}`;
    case 'sign_in.succeeded':
      return list(d.amr).length ? `With ${list(d.amr).join(', ')}${d.method === 'setup' ? ', right after setup' : ''}` : undefined;
    case 'sign_in.second_factor_failed':
      return [secondFactorMethods[text(d.method) ?? ''], secondFactorFailures[text(d.reason) ?? '']].filter(Boolean).join(': ') || undefined;
    case 'mfa.totp_added':
    case 'mfa.totp_removed':
    case 'mfa.passkey_added':
    case 'mfa.passkey_removed':
    case 'mfa.recovery_codes_generated':
    case 'mfa.recovery_code_used':
    case 'mfa.reset':
      return [factorChangers[text(d.by) ?? ''], text(d.name) && `“${text(d.name)}”`, typeof d.unused === 'number' && `${d.unused} left`]
        .filter(Boolean).join(', ') || undefined;
    case 'password_reset.completed':
    case 'password.changed':
      return d.sessions_ended === true ? 'Signed out everywhere' : undefined;
    case 'session.ended': {
      const notified = list(d.apps_notified);
      return [sessionEndReasons[text(d.reason) ?? ''], notified.length ? `apps told: ${notified.join(', ')}` : '']
        .filter(Boolean).join('; ').replace(/^./, (c) => c.toUpperCase()) || undefined;
    }
    case 'logout.delivery_failed':
      return [typeof d.attempts === 'number' && `Given up after ${d.attempts} attempts`, text(d.error)].filter(Boolean).join(': ') || undefined;
    default:
      return text(d.message);
  }
}

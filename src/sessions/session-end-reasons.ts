/**
 * Why a Sesame session ended, as the audit trail and the logout queue record it.
 * - `signed_out`: the person signed out through an app (RP-initiated logout, oidc-provider's end_session).
 * - `ended_by_user`: the person ended it on /account (one session, or "sign out everywhere").
 * - `ended_by_admin`: an admin ended it (Management API, CLI), the account staying as it is.
 * - `suspended`, `deleted`: an admin suspended or deleted the account.
 * - `password_set`: an admin set a new password; `password_reset`: the person reset theirs with an emailed link;
 *   `password_changed`: the person changed theirs on /account.
 */
export const sessionEndReasons = [
  'signed_out', 'ended_by_user', 'ended_by_admin', 'suspended', 'deleted', 'password_set', 'password_reset', 'password_changed',
] as const;
export type SessionEndReason = (typeof sessionEndReasons)[number];

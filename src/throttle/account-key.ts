/**
 * The one form of a typed username or email that account limits are keyed by, whether or not an account has it:
 * a throttled unknown name then behaves exactly like a throttled real one. Until usernames get their canonical
 * form (RFC 8265, issue 10 §3), trimmed and lower-cased, as sign-in compares them.
 */
export function accountKey(login: string): string {
  return login.trim().toLowerCase();
}

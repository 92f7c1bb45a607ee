import { canonicalLogin } from '../users/identifier.ts';

/** Every login no account can have (too long, NUL, lone surrogates) shares one key: it guards nothing. */
const unusableLogin = '(unusable login)';

/**
 * The one form of a typed username or email that account limits are keyed by, whether or not an account has it:
 * a throttled unknown name then behaves exactly like a throttled real one. It is the key sign-in compares by
 * (RFC 8265, src/users/identifier.ts), so `BOB` and `ｂｏｂ` count against `bob`.
 */
export function accountKey(login: string): string {
  return canonicalLogin(login) ?? unusableLogin;
}

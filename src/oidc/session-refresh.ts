import { isDeepStrictEqual } from 'node:util';
import type { AdapterPayload } from 'oidc-provider';

/** The most a stored session's expiry may trail the one oidc-provider last gave it: an hour. */
const maxLagSeconds = 3600;

/**
 * Whether saving `next` over `stored` (the session as the request read it) would only push its expiry out by a
 * little. oidc-provider saves a person's session on every authorization request, to slide its expiry; an app
 * renewing its tokens silently (`prompt=none`) every few minutes would rewrite the row each time. Such a save is
 * skipped while the new expiry is less than 1 % of the session's lifetime (at most an hour) past the stored one:
 * the session then ends at most that much sooner than a write every time would have made it. Any other change —
 * a new app signed in to, a new sign-in, logout state — is always written.
 */
export function onlyExtendsExpiry(stored: AdapterPayload, next: AdapterPayload, ttlSeconds: number | undefined): boolean {
  if (typeof stored.exp !== 'number' || typeof next.exp !== 'number' || !ttlSeconds) return false;
  const lag = next.exp - stored.exp;
  if (lag < 0 || lag >= Math.min(maxLagSeconds, ttlSeconds / 100)) return false;
  // As it would be stored: JSON leaves out what is undefined.
  const written = JSON.parse(JSON.stringify(next)) as AdapterPayload;
  return isDeepStrictEqual({ ...written, exp: stored.exp }, stored);
}

/**
 * Where logos come from, for every page that shows one: Sesame's own pages (consent, sign-in, account) and the
 * console's previews of them. The pages' Content-Security-Policy `img-src` and the console's are both this list,
 * so a preview shows a logo exactly when the real page would. Logos may be plain http on a loopback host (a
 * developer's machine); the CSP host grammar has no IPv6 literals, so http://[::1] is not listed (and a logo there
 * is refused when it is set, src/apps/branding.service.ts). This file imports nothing: the console bundles it.
 */
export const logoSources = ["'self'", 'https:', 'data:', 'http://localhost:*', 'http://127.0.0.1:*'];

const loopbackLogoHosts = new Set(['localhost', '127.0.0.1']);

/** Whether a logo at `url` (as an admin sets it: https, or http on a loopback host) shows on Sesame's pages. */
export function logoShows(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopbackLogoHosts.has(parsed.hostname));
}

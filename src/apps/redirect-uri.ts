import type { AppType } from './app-types.ts';

/**
 * Registration rules for redirect URIs (DESIGN.md §3). A URI is stored in canonical form (canonicalUri), and
 * authorization compares the one sent, put in the same form, with it exactly (src/oidc/canonical-redirect-params.ts);
 * oidc-provider alone relaxes the port of a native app's loopback redirect (RFC 8252 §7.3).
 */
export const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);
const forbiddenSchemes = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:']);

export type UriKind = 'redirect' | 'post-logout redirect' | 'back-channel logout';

/** Returns why `uri` cannot be registered for an app of `type`, or undefined when it can. */
export function redirectUriProblem(uri: string, type: AppType, kind: UriKind = 'redirect'): string | undefined {
  const label = `${kind} URI ${quote(uri)}`;
  const shape = uriShapeProblem(uri, label);
  if (shape.problem !== undefined) return shape.problem;
  const { url, scheme } = shape;

  const isHttp = scheme === 'http' || scheme === 'https';
  if (isHttp) {
    if (!url.hostname) return `${label} has no host`;
    if (!uri.startsWith(`${scheme}://`)) return `${label} must be written as ${scheme}://host/…`;
    if (!/^([a-z0-9_-]+\.)*[a-z0-9_-]+\.?$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) {
      return `${label} must name one host (a domain name or an IP address); wildcards are not supported`;
    }
    if (scheme === 'http' && !loopbackHosts.has(url.hostname)) {
      return `${label} must use https; http is allowed only for localhost, 127.0.0.1 and [::1]`;
    }
    if (type === 'native' && scheme === 'https' && loopbackHosts.has(url.hostname)) {
      return `${label}: a native app's loopback redirect uses http, not https`;
    }
    return undefined;
  }
  if (type !== 'native') return `${label} must use https (or http on a loopback host); custom schemes are for native apps`;
  return undefined;
}

/**
 * The rules every URI Sesame would register keeps, whatever the app: one that breaks none is read the same by
 * browsers, servers and Sesame. Returns the broken rule, or the parsed URI.
 */
function uriShapeProblem(uri: string, label: string): { problem: string } | { problem?: undefined; url: URL; scheme: string } {
  const problem = (text: string) => ({ problem: text });
  if (uri.length === 0) return problem(`${label} is empty`);
  if (uri.length > 2048) return problem(`${label} is longer than 2048 characters`);
  // Whitespace, controls and backslashes are parsed differently by browsers and servers; invisible
  // characters (such as bidirectional overrides) make a URI read differently from where it leads.
  if (/[\s\p{C}\\]/u.test(uri)) return problem(`${label} contains whitespace, control or invisible characters, or a backslash`);
  if (uri.includes('#')) return problem(`${label} must not contain a fragment (#)`);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (!scheme) return problem(`${label} must be an absolute URI with a scheme`);
  if (forbiddenSchemes.has(`${scheme}:`)) return problem(`${label} uses the forbidden scheme ${scheme}:`);
  const url = URL.parse(uri);
  if (!url) return problem(`${label} is not a valid URI`);
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?]*@/i.test(uri)) {
    return problem(`${label} must not contain user information (user@host)`);
  }
  if (hasDotSegment(uri)) return problem(`${label} must not contain dot-segments (. or ..)`);
  const authority = writtenAuthority(uri);
  // The host is compared as written but browsers go where the parser reads: percent-encoded, Unicode or
  // numeric hosts and explicit default ports must be written the one way the parser reads them.
  if (authority !== undefined && authority.toLowerCase() !== url.host.toLowerCase()) {
    return problem(`${label} must write its host as ${JSON.stringify(url.host)} (no percent-encoding, Unicode or default port in the host)`);
  }
  return { url, scheme };
}

/**
 * The one form a redirect URI is stored and compared in: its WHATWG URL serialisation, which is what browsers
 * and URL-parsing libraries send (a Unicode path percent-encoded as UTF-8, the host in lower case, an empty http(s)
 * path as `/`), with percent-encodings in upper case (RFC 3986 §6.2.2.1). Nothing else is folded: the path keeps
 * its letter case, and what one form holds percent-encoded the other must too. A URI no app could register
 * (dot-segments, backslashes, user information, `HTTPS://`…) is left as it is, so it matches nothing.
 */
export function canonicalUri(uri: string): string {
  // Native apps may register every kind of URI but https on a loopback host, which web apps may.
  if (redirectUriProblem(uri, 'native') !== undefined && redirectUriProblem(uri, 'traditional') !== undefined) return uri;
  return new URL(uri).href.replace(/%[0-9a-f]{2}/gi, (encoded) => encoded.toUpperCase());
}

/** Each URI of a list once, in canonical form, in the order first written. */
export function canonicalUris(uris: readonly string[]): string[] {
  return [...new Set(uris.map(canonicalUri))];
}

/** The URI in quotes, its invisible characters escaped so that the message reads as the URI is. */
function quote(uri: string): string {
  return JSON.stringify(uri).replace(/\p{C}/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** The authority (`user@host:port`) exactly as written, or undefined when the URI has none. */
function writtenAuthority(uri: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri)?.[1];
}

/** A path segment that is `.` or `..`, written plainly or percent-encoded. */
function hasDotSegment(uri: string): boolean {
  const afterScheme = uri.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/?]*)?/i, '');
  const path = afterScheme.split('?')[0] ?? '';
  return path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

/** Returns why `origin` cannot be an extra CORS origin, or undefined. */
export function corsOriginProblem(origin: string): string | undefined {
  const label = `CORS origin ${JSON.stringify(origin)}`;
  if (origin.length > 2048) return `${label} is longer than 2048 characters`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `${label} is not a valid origin`;
  }
  if (url.origin !== origin) return `${label} must be an origin only (scheme://host[:port]), like ${url.origin}`;
  if (url.protocol === 'http:' && !loopbackHosts.has(url.hostname)) return `${label} must use https except on loopback hosts`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${label} must use https`;
  return undefined;
}

/** The origins a browser app may call the token endpoint from: its redirect URIs' origins and the extra ones. */
export function allowedCorsOrigins(redirectUris: string[], extra: string[]): Set<string> {
  const origins = new Set(extra);
  for (const uri of redirectUris) {
    if (/^https?:\/\//i.test(uri)) origins.add(new URL(uri).origin);
  }
  return origins;
}

/**
 * Returns why `uri` cannot be an app's back-channel logout URI (OpenID Connect Back-Channel Logout 1.0 §2.2), or
 * undefined. Sesame's server posts to it, so it is a web address like a web app's redirect URI: https, or http on a
 * loopback host (a developer's machine), no fragment, no user information.
 */
export function backchannelLogoutUriProblem(uri: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https' && !forbiddenSchemes.has(`${scheme}:`)) {
    return `back-channel logout URI ${quote(uri)} must use https (or http on localhost, 127.0.0.1 or [::1])`;
  }
  return redirectUriProblem(uri, 'traditional', 'back-channel logout');
}

import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';

/**
 * Every URL Sesame and oidc-provider build (discovery, redirects, pages, problem types) starts from the request's
 * origin. A request is therefore made to name the issuer's origin before anything reads it: the Host header,
 * X-Forwarded-Host and an absolute-form request target (`GET http://evil.example/…`) cannot point a URL
 * elsewhere, and the scheme is the issuer's, so with an https issuer every cookie is Secure even when a
 * TLS-terminating proxy forwards plain HTTP. The client's address (X-Forwarded-For) is left alone.
 */
export function issuerOrigin(issuer: string) {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  return {
    /** Rewrites the raw request: its target to origin-form, its Host to the issuer's, no X-Forwarded-Host. */
    rewrite(req: IncomingMessage): void {
      const target = req.url ?? '/';
      if (!target.startsWith('/')) req.url = originForm(target);
      req.headers.host = host;
      delete req.headers['x-forwarded-host'];
    },
    /** Makes a Koa app (Sesame's, or oidc-provider, which is one) see every request under the issuer's scheme and host. */
    bind(app: Koa): void {
      Object.defineProperty(app.request, 'protocol', { get: () => scheme, configurable: true });
      Object.defineProperty(app.request, 'host', { get: () => host, configurable: true });
    },
  };
}

/** `http://x/a?b` → `/a?b`; anything else that is not a path (`*`, garbage) → `/`, which routes nowhere harmful. */
function originForm(target: string): string {
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

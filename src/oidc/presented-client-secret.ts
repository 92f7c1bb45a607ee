import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * The client secret a request presents, by client_secret_post or client_secret_basic, read the way
 * oidc-provider reads it (RFC 6749 §2.3.1 form-encodes the Basic credentials).
 */
export function presentedClientSecret(ctx: KoaContextWithOIDC | undefined): string | undefined {
  if (!ctx) return undefined;
  const posted = (ctx.oidc?.params as Record<string, unknown> | undefined)?.client_secret;
  if (typeof posted === 'string' && posted) return posted;
  const header = ctx.headers?.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !token) return undefined;
  const basic = Buffer.from(token, 'base64').toString('utf8');
  const colon = basic.indexOf(':');
  if (colon === -1) return undefined;
  try {
    return decodeURIComponent(basic.slice(colon + 1).replace(/\+/g, '%20')) || undefined;
  } catch {
    return undefined;
  }
}

/** The client_id a request presents, by client_secret_basic or in its parameters, whether or not such a client exists. */
export function presentedClientId(ctx: KoaContextWithOIDC): string | undefined {
  const header = ctx.headers?.authorization;
  const [scheme, token] = header?.split(' ') ?? [];
  if (scheme?.toLowerCase() === 'basic' && token) {
    const basic = Buffer.from(token, 'base64').toString('utf8');
    const colon = basic.indexOf(':');
    try {
      if (colon > 0) return decodeURIComponent(basic.slice(0, colon).replace(/\+/g, '%20'));
    } catch {
      return undefined;
    }
  }
  const posted = (ctx.oidc?.params as Record<string, unknown> | undefined)?.client_id;
  return typeof posted === 'string' && posted ? posted : undefined;
}

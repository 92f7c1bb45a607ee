import type { IncomingMessage } from 'node:http';
import { unescape } from 'node:querystring';
import type { Context, Middleware } from 'koa';
import { canonicalUri } from '../apps/redirect-uri.ts';

/**
 * Redirect URIs are stored in canonical form (apps/redirect-uri.ts), and a request's is put in that form before
 * oidc-provider compares it, exactly, with the registered ones: a library that sends the URI typed with Unicode and
 * one that sends the percent-encoded form its callback URL arrived with (openid-client derives the token request's
 * from it) then name the same URI, at the authorization endpoint, at the token endpoint (where it must equal the
 * code's), and for logout. The code and the redirect hold the canonical form. A value that breaks a registration
 * rule is left as it is, and matches nothing.
 */

/** oidc-provider's own limit on a request body: a larger one is left for it to refuse. */
const bodyLimit = 56 * 1024;

export interface RedirectParamRoutes {
  authorization: string;
  token: string;
  endSession: string;
}

export function canonicalRedirectParams(routes: RedirectParamRoutes): Middleware {
  const paramOf = new Map([
    [routes.authorization, 'redirect_uri'],
    [routes.token, 'redirect_uri'],
    [routes.endSession, 'post_logout_redirect_uri'],
  ]);
  return async function canonicaliseRedirectParams(ctx, next) {
    const name = paramOf.get(ctx.path);
    if (name && ctx.method === 'GET' && ctx.querystring) {
      const query = withCanonicalParam(ctx.querystring, name);
      if (query !== ctx.querystring) ctx.querystring = query;
    } else if (name && ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
      await canonicaliseFormBody(ctx, name);
    }
    return next();
  };
}

/**
 * `text` (a query or a form body) with the one `name` parameter in canonical form; every other byte as it was.
 * A parameter sent twice is left alone: oidc-provider refuses it.
 */
function withCanonicalParam(text: string, name: string): string {
  const pairs = text.split('&');
  const decode = (part: string) => unescape(part.replace(/\+/g, ' '));
  const at = pairs.flatMap((pair, i) => (decode(pair.split('=', 1)[0]!) === name ? [i] : []));
  if (at.length !== 1) return text;
  const pair = pairs[at[0]!]!;
  const separator = pair.indexOf('=');
  if (separator < 0) return text;
  const value = decode(pair.slice(separator + 1));
  const canonical = canonicalUri(value);
  if (canonical === value) return text;
  pairs[at[0]!] = `${pair.slice(0, separator)}=${encodeURIComponent(canonical)}`;
  return pairs.join('&');
}

/** Reads the form body, puts its `name` parameter in canonical form, and leaves the result for oidc-provider to read. */
async function canonicaliseFormBody(ctx: Context, name: string): Promise<void> {
  const declared = ctx.request.length;
  const charset = ctx.request.charset;
  if ((declared !== undefined && declared > bodyLimit) || (charset && !/^utf-?8$/i.test(charset))) return;
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    received += chunk.length;
    // Past the limit, what was read is handed on as it is, for oidc-provider to refuse.
    if (received > bodyLimit) break;
  }
  const body = Buffer.concat(chunks);
  const text = received > bodyLimit ? undefined : body.toString('utf8');
  const rewritten = text === undefined ? undefined : withCanonicalParam(text, name);
  replayBody(ctx.req, rewritten === undefined || rewritten === text ? body : Buffer.from(rewritten, 'utf8'));
}

/**
 * Makes the request, whose body was read, readable once more with `body`: what oidc-provider's body parser reads
 * (`readable`, `iterator`, the Content-Length header). Nothing else reads the body.
 */
function replayBody(req: IncomingMessage, body: Buffer): void {
  req.headers['content-length'] = String(body.length);
  delete req.headers['transfer-encoding'];
  Object.defineProperties(req, {
    readable: { value: true, configurable: true },
    iterator: {
      configurable: true,
      value: async function* replay() {
        yield body;
      },
    },
  });
}

import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { oidcRoutes } from './provider.ts';

/**
 * OpenID Connect Core 3.1.2.1: the authorization endpoint takes a form POST too. oidc-provider serves POST only
 * with SameSite=None session cookies (a cross-site POST carries no others), which would weaken every other
 * endpoint. Instead the form becomes the same request as a GET (303 See Other): a top-level navigation, which
 * carries the SameSite=Lax session cookie, so single sign-on and every check of the GET endpoint apply as they are.
 * A plain middleware, not a router: a router would answer the GET with 405.
 */
// The parameters end up in a URL, which must stay well below the request line's limit (maxHeaderSize, 16 KB).
const maxQueryLength = 8 * 1024;

export function authorizationPost(): Middleware {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
  return function acceptAuthorizationPost(ctx, next) {
    if (ctx.method !== 'POST' || ctx.path !== oidcRoutes.authorization) return next();
    return form(ctx, async () => redirectFormToGet(ctx));
  };
}

function redirectFormToGet(ctx: Context): void {
  const params = new URLSearchParams(ctx.querystring);
  const raw = (ctx.request as { rawBody?: string }).rawBody;
  // Parameters sent twice (in the URL and the form) stay twice, so oidc-provider refuses them as it does on GET.
  if (ctx.is('application/x-www-form-urlencoded') && raw) for (const [name, value] of new URLSearchParams(raw)) params.append(name, value);
  const query = params.toString();
  // Encoding can grow a form threefold (`~` is sent as it is, and becomes %7E): measured as it will be sent.
  if (query.length > maxQueryLength) ctx.throw(413, 'the authorization request is too large');
  ctx.status = 303;
  ctx.redirect(query ? `${oidcRoutes.authorization}?${query}` : oidcRoutes.authorization);
}

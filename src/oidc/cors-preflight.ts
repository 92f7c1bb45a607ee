import type { Middleware } from 'koa';
import type { Directory } from '../cache/directory.ts';

/**
 * A CORS preflight names no client, so oidc-provider allows it from every origin and checks the origin only on
 * the request that follows (clientBasedCORS). For the endpoints that check by client, Sesame answers the
 * preflight only for origins some app may use (DESIGN.md §3: redirect URI origins and extra ones), so other
 * origins learn at once that they may not call.
 */
export function corsPreflightGuard(directory: Directory, clientBasedPaths: readonly string[]): Middleware {
  const paths = new Set(clientBasedPaths);
  return async function guardCorsPreflight(ctx, next) {
    const origin = ctx.get('Origin');
    if (ctx.method !== 'OPTIONS' || !origin || !ctx.get('Access-Control-Request-Method') || !paths.has(ctx.path)) return next();
    if ((await directory.corsOrigins()).has(origin)) return next();
    ctx.vary('Origin');
    ctx.status = 204;
  };
}

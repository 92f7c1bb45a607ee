import type { Middleware } from 'koa';
import { allowedCorsOrigins } from '../apps/redirect-uri.ts';
import type { Db } from '../db/database.ts';

/** Whether any application may call Sesame's endpoints from `origin` (DESIGN.md §3: redirect URI origins and extra ones). */
export async function isKnownCorsOrigin(db: Db, origin: string): Promise<boolean> {
  const apps = await db.selectFrom('applications').select(['redirect_uris', 'cors_origins']).execute();
  return apps.some((app) => allowedCorsOrigins(app.redirect_uris, app.cors_origins).has(origin));
}

/**
 * A CORS preflight names no client, so oidc-provider allows it from every origin and checks the origin only on
 * the request that follows (clientBasedCORS). For the endpoints that check by client, Sesame answers the
 * preflight only for origins some app may use, so other origins learn at once that they may not call.
 */
export function corsPreflightGuard(db: Db, clientBasedPaths: readonly string[]): Middleware {
  const paths = new Set(clientBasedPaths);
  return async function guardCorsPreflight(ctx, next) {
    const origin = ctx.get('Origin');
    if (ctx.method !== 'OPTIONS' || !origin || !ctx.get('Access-Control-Request-Method') || !paths.has(ctx.path)) return next();
    if (await isKnownCorsOrigin(db, origin)) return next();
    ctx.vary('Origin');
    ctx.status = 204;
  };
}

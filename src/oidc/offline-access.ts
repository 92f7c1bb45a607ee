import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * `offline_access` without prompt=consent (DESIGN.md §4). oidc-provider drops the scope from an authorization
 * request that lacks prompt=consent (OIDC Core §11), before Sesame sees it. In Sesame a third-party app's
 * consent screen asks for offline access explicitly (and a first-party app is consented automatically), so
 * the scope is put back: it is then asked for, granted or refused, and named in the tokens like any other.
 *
 * The hook is an extraParams validator, the step oidc-provider runs right after it reads the scope. Its
 * parameter also records the wish, so it survives the interaction and the resumed request.
 */
export const offlineAccessParam = 'sesame_offline_access';

/** The scope the app sent, before oidc-provider's processing; from the query, or the form body of a POST. */
function rawRequestScope(ctx: KoaContextWithOIDC): string {
  const body = (ctx.oidc as unknown as { body?: Record<string, unknown> }).body;
  const scope = ctx.method === 'POST' ? body?.scope : ctx.query.scope;
  return typeof scope === 'string' ? scope : '';
}

/** extraParams validator: keeps `offline_access` in the request's scope when the app asked for it. */
export function keepOfflineAccess(ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc.params as Record<string, unknown>;
  const scopes = String(params.scope ?? '').split(' ').filter(Boolean);
  // On the resumed request the wish comes from the interaction's saved parameters, not from the app.
  const asked = ctx.oidc.route === 'resume'
    ? params[offlineAccessParam] === 'requested'
    : rawRequestScope(ctx).split(' ').includes('offline_access');
  const allowed = asked && !!ctx.oidc.client?.grantTypeAllowed('refresh_token') && String(params.response_type ?? '').includes('code');
  params[offlineAccessParam] = allowed ? 'requested' : undefined;
  if (allowed && !scopes.includes('offline_access')) params.scope = [...scopes, 'offline_access'].join(' ');
}

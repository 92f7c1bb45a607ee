import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * `offline_access` on the consent screen (DESIGN.md §4). oidc-provider drops the scope from an authorization
 * request without prompt=consent (OIDC Core §11), before Sesame sees it. Sesame's consent screen asks for it
 * explicitly, so the request's wish is kept in an extra parameter, the consent prompt asks for it when it is
 * not yet granted, and a refresh token follows from the grant rather than from the request's scope.
 */
export const offlineAccessParam = 'sesame_offline_access';

/** The scope the app sent, before oidc-provider's processing; from the query, or the form body of a POST. */
function rawRequestScope(ctx: KoaContextWithOIDC): string {
  const body = (ctx.oidc as unknown as { body?: Record<string, unknown> }).body;
  const scope = ctx.method === 'POST' ? body?.scope : ctx.query.scope;
  return typeof scope === 'string' ? scope : '';
}

/** extraParams validator: records whether offline access was asked for; the app cannot set it itself. */
export function recordOfflineAccessRequest(ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc.params as Record<string, unknown>;
  const asked = rawRequestScope(ctx).split(' ').includes('offline_access') || String(params.scope ?? '').split(' ').includes('offline_access');
  params[offlineAccessParam] = asked && ctx.oidc.client?.grantTypeAllowed('refresh_token') ? 'requested' : undefined;
}

export function offlineAccessRequested(params: Record<string, unknown> | undefined): boolean {
  return params?.[offlineAccessParam] === 'requested';
}

type GrantLike = { getOIDCScope(): string; getOIDCScopeEncountered(): string } | undefined;

function granted(grant: GrantLike): boolean {
  return !!grant?.getOIDCScope().split(' ').includes('offline_access');
}

/** Adds a consent check to `policy`: offline access asked for and not yet granted asks the person. */
export function requireOfflineAccessConsent<P extends interactionPolicy.DefaultPolicy>(policy: P): P {
  policy.get('consent')!.checks.add(new interactionPolicy.Check(
    'offline_access_missing',
    'offline access requested but not granted',
    'consent_required',
    (ctx) => {
      const encountered = ctx.oidc.grant?.getOIDCScopeEncountered().split(' ') ?? [];
      return offlineAccessRequested(ctx.oidc.params as Record<string, unknown>) && !encountered.includes('offline_access')
        ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    },
    () => ({ missingOfflineAccess: true }),
  ));
  return policy;
}

/** issueRefreshToken: when the code's scope says so, or the grant holds offline access given on the consent screen. */
export async function issueRefreshToken(ctx: KoaContextWithOIDC, client: { grantTypeAllowed(type: string): boolean }, code: { scopes: Set<string> }): Promise<boolean> {
  return client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || granted(ctx.oidc.entities.Grant as GrantLike));
}

/** expiresWithSession: tokens with offline access outlive the browser session. */
export async function expiresWithSession(ctx: KoaContextWithOIDC, code: { scopes: Set<string> }): Promise<boolean> {
  return !(code.scopes.has('offline_access') || granted(ctx.oidc.entities.Grant as GrantLike));
}

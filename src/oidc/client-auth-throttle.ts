import { errors, Provider, type KoaContextWithOIDC } from 'oidc-provider';
import type { Middleware } from 'koa';
import { clientIp } from '../http/client-ip.ts';
import { clientAuthSubjects, type Throttle } from '../throttle/throttle.service.ts';
import { presentedClientId } from './presented-client-secret.ts';

/**
 * Throttles guessing a client secret at the endpoints that authenticate clients (src/throttle/): per client_id and
 * IP, so an app whose secret is being guessed from one address still gets tokens from its own.
 *
 * oidc-provider reads the request body only inside its routes, so the block is checked where the client_id is
 * first known: when client authentication loads the client (`beforeClientLoad`, called by the client adapter).
 * A failure is recorded once oidc-provider has answered, before the answer leaves, so the next attempt sees it.
 */
export class TooManyClientAttempts extends errors.OIDCProviderError {
  constructor(seconds: number) {
    super(429, 'temporarily_unavailable');
    this.error_description = `too many failed client authentications; retry after ${seconds} seconds`;
  }
}

const failed = Symbol('clientAuthFailed');
type Marked = KoaContextWithOIDC & { [failed]?: boolean };

export function clientAuthThrottle(throttle: Throttle, paths: string[]) {
  const guarded = new Set(paths);
  const applies = (ctx: KoaContextWithOIDC | undefined): ctx is KoaContextWithOIDC => Boolean(ctx) && ctx!.method === 'POST' && guarded.has(ctx!.path);

  return {
    /** Refuses, before the secret is compared, a client_id that is blocked for this IP (a right secret too). */
    async beforeClientLoad(clientId: string): Promise<void> {
      const ctx = Provider.ctx;
      // Only the client that authenticates: introspection later loads the token's client too.
      if (!applies(ctx) || ctx.oidc?.client) return;
      const wait = await throttle.retryAfter(clientAuthSubjects(clientId, clientIp(ctx.req, ctx.app.proxy)));
      if (!wait) return;
      ctx.set('Retry-After', String(wait));
      throw new TooManyClientAttempts(wait);
    },

    /** For oidc-provider's error events: marks a failed client authentication for `recordFailures`. */
    onError(ctx: KoaContextWithOIDC | undefined, error: unknown): void {
      if (applies(ctx) && error instanceof errors.InvalidClientAuth) (ctx as Marked)[failed] = true;
    },

    /** provider.use: counts the failure marked during the request before the answer goes out. */
    recordFailures: (async function recordClientAuthFailure(ctx, next) {
      await next();
      const oidcCtx = ctx as Marked;
      if (!oidcCtx[failed]) return;
      const clientId = presentedClientId(oidcCtx);
      if (!clientId) return;
      const ip = clientIp(ctx.req, ctx.app.proxy);
      await throttle.recordFailure(clientAuthSubjects(clientId.slice(0, 200), ip), {
        ip, userAgent: ctx.get('user-agent'), clientId: clientId.slice(0, 200),
      });
    }) as Middleware,
  };
}

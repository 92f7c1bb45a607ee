import type { Context, Middleware } from 'koa';
import type { Db } from '../db/database.ts';
import { clientIp } from '../http/client-ip.ts';
import { setRetryAfter } from '../pages/retry-after.ts';
import { registrationPolicy } from '../registration/registration-policy.service.ts';
import { isRegistrationToken } from '../registration/registration-token.service.ts';
import { registrationSubjects, type Throttle } from '../throttle/throttle.service.ts';

/**
 * provider.use: what the admin's policy says of dynamic registration (RFC 7591), before oidc-provider reads the
 * request. With `dcr` off the endpoint refuses and discovery does not name it; registrations are counted per client
 * IP (429 with Retry-After past SESAME_THROTTLE_REGISTRATIONS); when the policy requires an initial access token, a
 * registration without a live one is refused (RFC 7591 §3). The rest of the policy (approval, allowlist, caps) is
 * applied where the app is stored (src/oidc/registered-clients.ts).
 */
export function registrationGate(
  deps: { db: Db; throttle: Throttle; config: { settingsCacheSeconds: number } },
  paths: { registration: string; discovery: string },
): Middleware {
  // Discovery is asked often and the mode changes rarely: read at most every SESAME_SETTINGS_CACHE_SECONDS.
  let dcrOff: { value: Promise<boolean>; until: number } | undefined;
  const isDcrOff = () => {
    if (!dcrOff || dcrOff.until < Date.now()) {
      dcrOff = { value: registrationPolicy(deps.db).then((p) => p.dcr === 'off'), until: Date.now() + deps.config.settingsCacheSeconds * 1000 };
      dcrOff.value.catch(() => { dcrOff = undefined; });
    }
    return dcrOff.value;
  };
  return async function applyRegistrationPolicy(ctx, next) {
    if (ctx.path === paths.discovery) return withoutRegistrationEndpoint(ctx, next);
    if (ctx.method !== 'POST' || ctx.path !== paths.registration) return next();
    const policy = await registrationPolicy(deps.db);
    if (policy.dcr === 'off') return answer(ctx, 403, 'access_denied', 'this server does not accept dynamic client registration');
    const ip = clientIp(ctx.req, ctx.app.proxy);
    const subjects = registrationSubjects(ip);
    const wait = await deps.throttle.retryAfter(subjects);
    if (wait) {
      setRetryAfter(ctx, wait);
      return answer(ctx, 429, 'temporarily_unavailable', `too many registrations from this address; retry after ${wait} seconds`);
    }
    if (policy.initial_access_token_required && !(await isRegistrationToken(deps.db, bearerToken(ctx)))) {
      ctx.set('WWW-Authenticate', 'Bearer realm="registration", error="invalid_token"');
      return answer(ctx, 401, 'invalid_token', 'registration needs an initial access token from the administrator (Authorization: Bearer)');
    }
    // Every registration counts, a repeated one too: the cap is on asking.
    await deps.throttle.recordFailure(subjects, { ip, userAgent: ctx.get('user-agent') });
    return next();
  };

  async function withoutRegistrationEndpoint(ctx: Context, next: () => Promise<unknown>) {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || !('registration_endpoint' in body)) return;
    if (await isDcrOff()) delete body.registration_endpoint;
  }
}

function bearerToken(ctx: Context): string | undefined {
  const [scheme, token] = (ctx.get('authorization') || '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

function answer(ctx: Context, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
}

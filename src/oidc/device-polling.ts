import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import { errors, Provider, type AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { recordDevicePoll } from './device-polls.repository.ts';

/**
 * How fast a device may poll the token endpoint in the device flow (RFC 8628 §3.4–3.5). The device authorization
 * response says the `interval`; a device that polls sooner is answered `slow_down`, and its interval grows by 5
 * seconds for the rest of the code's life. The clock is kept in the database, so every node enforces it.
 * oidc-provider defines the error but leaves the counting to its host.
 */
export function devicePolling(db: Db, { interval, deviceAuthorizationPath }: { interval: number; deviceAuthorizationPath: string }) {
  return {
    /** For the adapter: each device code the token endpoint loads is a poll. */
    async deviceCodeFound(id: string, payload: AdapterPayload): Promise<void> {
      if (Provider.ctx?.oidc?.route !== 'token') return;
      const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + 3600_000;
      const codeHash = createHash('sha256').update(id).digest('base64url');
      if (await recordDevicePoll(db, codeHash, interval, new Date(exp + 3600_000))) throw new errors.SlowDown();
    },

    /** provider.use: the device authorization response says the interval (RFC 8628 §3.2), which is not always 5. */
    announceInterval: (async function announceDevicePollInterval(ctx, next) {
      await next();
      if (ctx.method !== 'POST' || ctx.path !== deviceAuthorizationPath || ctx.status !== 200) return;
      const body = ctx.body as Record<string, unknown> | undefined;
      if (body && typeof body === 'object' && typeof body.device_code === 'string') ctx.body = { ...body, interval };
    }) as Middleware,
  };
}

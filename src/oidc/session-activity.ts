import type { Middleware } from 'koa';
import { LRUCache } from 'lru-cache';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { clientIp } from '../http/client-ip.ts';
import type { Logger } from '../logger.ts';
import { recordActivity, recordSignIn } from '../sessions/session.repository.ts';

/**
 * provider.use: records what a person recognises their sessions by (src/sessions/), once oidc-provider has saved
 * the session. A sign-in (the interaction's result, resumed) records the device, the address and the time; any
 * later request made with the session (an app signing the person in again) moves "last active". The session is
 * oidc-provider's; this is a side table keyed by its `uid`, which stays the same while its cookie id changes.
 */
export function sessionActivity(db: Db, logger: Logger): Middleware {
  // The database keeps "last active" to the minute (src/sessions/session.repository.ts); a session this node wrote
  // for less than a minute ago is not written again, which spares a statement on most authorization requests.
  const recentlyRecorded = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  return async function recordSessionActivity(ctx, next) {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    const session = oidc?.session;
    if (!session?.accountId || (session as { destroyed?: boolean }).destroyed || typeof session.uid !== 'string') return;
    const ip = clientIp(ctx.req, ctx.app.proxy);
    if (oidc.route === 'resume' && oidc.result?.login) {
      await recordSignIn(db, { uid: session.uid, accountId: session.accountId, userAgent: ctx.get('user-agent') || null, ip });
      recentlyRecorded.set(session.uid, true);
      return;
    }
    if (recentlyRecorded.has(session.uid)) return;
    recentlyRecorded.set(session.uid, true);
    // Not worth holding the answer for.
    recordActivity(db, { uid: session.uid, accountId: session.accountId, ip })
      .catch((error: unknown) => logger.error({ err: error }, 'recording session activity failed'));
  };
}

import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isThirdParty } from '../apps/third-party.ts';
import type { Db } from '../db/database.ts';
import { recordAccessUse } from '../grants/access-use.repository.ts';
import type { Logger } from '../logger.ts';

/** A busy app writes its use of one person's access at most once in this long (unless it asks for a new API). */
export const accessUseQuietSeconds = 5 * 60;

/**
 * provider.use: when a third-party app last used a person's access, and which APIs it asked for (/account's
 * Connected apps): a token issued or refreshed for the person, or their userinfo read. Recorded after the answer is
 * made and not waited for; a failure is only logged.
 */
export function accessUse(db: Db, logger: Logger): Middleware {
  return async function recordAppAccessUse(ctx, next) {
    await next();
    const { oidc } = ctx as KoaContextWithOIDC;
    if (!oidc || ctx.status !== 200 || (oidc.route !== 'token' && oidc.route !== 'userinfo')) return;
    const client = oidc.client;
    const token = oidc.entities.AccessToken ?? oidc.entities.RefreshToken ?? oidc.entities.AuthorizationCode;
    const userId = oidc.account?.accountId ?? token?.accountId;
    if (!client || !userId || !isThirdParty(client)) return;
    const resources = oidc.route === 'token' ? [oidc.params?.resource].flat().filter((r): r is string => typeof r === 'string') : [];
    recordAccessUse(db, { userId, clientId: client.clientId, resources, quietSeconds: accessUseQuietSeconds })
      .catch((error: unknown) => logger.error({ err: error }, 'recording an app\'s use of access failed'));
  };
}

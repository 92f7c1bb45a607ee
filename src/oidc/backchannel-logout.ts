import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { loopbackHosts } from '../apps/redirect-uri.ts';
import type { Db } from '../db/database.ts';
import { clientIp } from '../http/client-ip.ts';
import type { Logger } from '../logger.ts';
import { describeFailure } from '../logout/logout-delivery.ts';
import { enqueueLogoutNotifications } from '../logout/logout-notification.repository.ts';
import { retryDelay } from '../logout/retry-schedule.ts';
import type { SafeFetch } from '../net/safe-fetch.ts';
import { deleteSession } from '../sessions/session.repository.ts';

/**
 * OpenID Connect Back-Channel Logout 1.0 on oidc-provider's own sign-out (RP-initiated logout, `end_session`).
 * oidc-provider posts the logout tokens itself, once, while the person waits; when an app does not accept one,
 * its `backchannel.error` event queues the notification here and src/logout/logout-delivery.ts retries it with
 * back-off, from any node, across restarts. Sessions Sesame ends itself (src/sessions/) queue theirs directly.
 */
export function backchannelLogoutEvents(provider: Provider, deps: { db: Db; logger: Logger; retrySeconds: number }): void {
  const { db, logger } = deps;
  const failed = (what: string) => (error: unknown) => logger.error({ err: error }, what);

  provider.on('backchannel.error' as never, ((_ctx: unknown, error: unknown, client: { clientId: string }, accountId: string, sid: string) => {
    const message = describeFailure(error);
    logger.info({ client: client.clientId, error: message }, 'back-channel logout not accepted; queued for retry');
    enqueueLogoutNotifications(db, [{
      clientId: client.clientId, accountId, sid: sid ?? null, reason: 'signed_out',
      attempts: 1, delaySeconds: retryDelay(1, new Date(), deps.retrySeconds) ?? 0, lastError: message,
    }]).catch(failed('queuing a back-channel logout retry failed'));
  }) as never);

  // The session ended through oidc-provider: the audit trail says so, and what Sesame recorded about it goes.
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    if (!session || !(session as { destroyed?: boolean }).destroyed || !session.accountId || typeof session.uid !== 'string') return;
    const origin = { ip: clientIp(ctx.req, ctx.app.proxy), userAgent: ctx.get('user-agent') };
    deleteSession(db, session.uid)
      .then(() => recordAuditEvent(db, {
        type: 'session.ended', userId: session.accountId, clientId: ctx.oidc.client?.clientId, ...origin,
        details: { reason: 'signed_out', by: 'user', session: session.uid, apps: Object.keys(session.authorizations ?? {}) },
      }))
      .catch(failed('recording the end of a session failed'));
  });
}

/**
 * oidc-provider's `fetch`, for every URL a client names (client ID metadata documents, key sets, logout
 * endpoints): the SSRF-safe fetch (src/net/safe-fetch.ts). A Sesame whose own issuer is on a loopback host runs
 * on a developer's machine, where the apps are too; there, and only to post logout tokens to literal loopback
 * hosts, the request goes out without that guard.
 */
export function outgoingFetch(issuer: string, safe: SafeFetch) {
  const local = loopbackHosts.has(new URL(issuer).hostname);
  return (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const target = new URL(url instanceof Request ? url.url : url);
    if (local && loopbackHosts.has(target.hostname) && init?.method?.toUpperCase() === 'POST') {
      const { dispatcher: _guard, ...unguarded } = init as RequestInit & { dispatcher?: unknown };
      return fetch(url, unguarded);
    }
    return safe(target, init);
  };
}

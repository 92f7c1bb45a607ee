import type { Provider } from 'oidc-provider';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import {
  claimDueNotifications, markDelivered, markFailed, scheduleRetry, type LogoutNotification,
} from './logout-notification.repository.ts';
import { retryDelay } from './retry-schedule.ts';

/** oidc-provider's Client builds, signs and posts the logout token itself (its keys, the app's algorithm). */
interface LogoutClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

export interface LogoutDeliveryDeps {
  db: Db;
  /** The node's current provider (it changes when keys rotate). */
  provider: () => Provider;
  logger: Logger;
  /** First retry delay, in seconds (SESAME_LOGOUT_RETRY_SECONDS). */
  retrySeconds: number;
}

/** Notifications taken at once; each is posted with oidc-provider's 2.5-second timeout. */
const batchSize = 10;
/** How long a taken notification is this node's before another may take it (a node that died holding it). */
const leaseSeconds = 60;
/** How often an idle node looks for due notifications. */
const pollMs = 1000;

/**
 * This node's share of delivering back-channel logout tokens from the queue (logout_notifications). Every node runs
 * one; rows are claimed with FOR UPDATE SKIP LOCKED, so any number of nodes share the work and none delivers a
 * notification another is delivering. What fails is retried with back-off (retry-schedule.ts) across restarts.
 */
export class LogoutDelivery {
  readonly #deps: LogoutDeliveryDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(deps: LogoutDeliveryDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops taking notifications and waits for the deliveries under way; what is still queued waits in the database. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#round().finally(() => { this.#running = undefined; });
    }, ms);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    let claimed = 0;
    try {
      const due = await claimDueNotifications(this.#deps.db, batchSize, leaseSeconds);
      claimed = due.length;
      await Promise.all(due.map((notification) => this.#deliver(notification)));
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'back-channel logout delivery round failed');
    }
    // A full batch means more may be due at once.
    if (!this.#stopped) this.#schedule(claimed === batchSize ? 0 : pollMs);
  }

  async #deliver(notification: LogoutNotification): Promise<void> {
    const { db, logger } = this.#deps;
    const client = await this.#deps.provider().Client.find(notification.client_id).catch(() => undefined) as LogoutClient | undefined;
    if (!client?.backchannelLogoutUri) {
      // The app was deleted, or no longer asks to be told: nobody is left to notify.
      await markFailed(db, notification.id, client ? 'the app no longer has a back-channel logout URI' : 'the app no longer exists');
      return;
    }
    try {
      await client.backchannelLogout(notification.account_id, notification.sid ?? undefined);
      await markDelivered(db, notification.id);
      logger.info({ client: notification.client_id, attempts: notification.attempts }, 'back-channel logout delivered');
    } catch (error) {
      await this.#failed(notification, describeFailure(error));
    }
  }

  async #failed(notification: LogoutNotification, message: string): Promise<void> {
    const { db, logger, retrySeconds } = this.#deps;
    const delay = retryDelay(notification.attempts, notification.created_at, retrySeconds);
    if (delay !== undefined) {
      await scheduleRetry(db, notification.id, delay, message);
      logger.info({ client: notification.client_id, attempts: notification.attempts, retryInSeconds: delay, error: message }, 'back-channel logout not accepted; will retry');
      return;
    }
    await markFailed(db, notification.id, message);
    logger.warn({ client: notification.client_id, attempts: notification.attempts, error: message }, 'back-channel logout given up');
    await recordAuditEvent(db, {
      type: 'logout.delivery_failed',
      userId: notification.account_id,
      clientId: notification.client_id,
      details: { reason: notification.reason, attempts: notification.attempts, error: message },
    });
  }
}

/** What went wrong, in words an admin can act on: the app's status, or why it could not be reached. */
export function describeFailure(error: unknown): string {
  const { message, cause } = error as { message?: string; cause?: { code?: string; message?: string } };
  const reason = cause?.code ?? cause?.message;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer within 2.5 seconds';
  return [message ?? String(error), reason].filter(Boolean).join(': ');
}

import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Sealer } from '../secrets/sealed.ts';
import { openContent } from './email-content.ts';
import {
  claimDueEmails, markEmailFailed, markEmailSent, scheduleEmailRetry, type EmailRow,
} from './email.repository.ts';
import { describeFailure, isPermanentFailure, type EmailTransport } from './smtp.ts';

export interface SenderSettings {
  /** First wait after a failed send, doubled with each further failure up to `maxRetryDelay` (seconds). */
  retryDelay: number;
  maxRetryDelay: number;
  /** Seconds after it was queued when a message that still fails is marked failed. */
  giveUpAfter: number;
}

/** Messages taken at once; the rest wait for the next round (or another node). */
const batchSize = 10;
/** Longer than a send can take with the transport's timeouts (src/email/smtp.ts). */
const leaseSeconds = 300;

/** Seconds to wait after the `attempts`-th failed try: retryDelay, doubled each time, at most maxRetryDelay. */
export function retryDelaySeconds(settings: SenderSettings, attempts: number): number {
  return Math.min(settings.maxRetryDelay, settings.retryDelay * 2 ** Math.min(Math.max(0, attempts - 1), 30));
}

/**
 * Sends the queued messages (table `emails`) through SMTP. Every node runs one: it looks for due messages every
 * `pollMs` and as soon as this node queues one, and claims them with SKIP LOCKED (src/email/email.repository.ts),
 * so several nodes share the work and a message goes out once. A failed send is tried again after a growing wait;
 * a refusal for good, or a message still failing after `giveUpAfter`, is marked failed for admins to see.
 * A message is at least sent once: a node dying between the server's acceptance and the database update sends it
 * again after the lease.
 */
export class EmailSender {
  readonly #db: Db;
  readonly #sealer: Sealer;
  readonly #transport: EmailTransport;
  readonly #fromAddress: string;
  readonly #settings: SenderSettings;
  readonly #logger: Logger;
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** Aborts the sends under way when the node stops: they are tried again later, here or on another node. */
  readonly #stopping = new AbortController();

  constructor(deps: { db: Db; sealer: Sealer; transport: EmailTransport; fromAddress: string; settings: SenderSettings; logger: Logger }) {
    this.#db = deps.db;
    this.#sealer = deps.sealer;
    this.#transport = deps.transport;
    this.#fromAddress = deps.fromAddress;
    this.#settings = deps.settings;
    this.#logger = deps.logger;
    // Retries are never looked for later than they are due, nor more often than once a second.
    this.#pollMs = Math.max(1000, Math.min(5000, deps.settings.retryDelay * 1000));
  }

  start(): void {
    this.#timer = setInterval(() => this.wake(), this.#pollMs);
    this.#timer.unref();
    this.wake();
  }

  /** Looks for due messages now (coalesced: a look under way looks once more when it ends). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Stops looking and cuts the sends under way short; what is left stays queued for the next start or another node. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#stopping.abort(new Error('Sesame is stopping'));
    await this.#running;
    this.#transport.close();
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#stopped) {
        const due = await claimDueEmails(this.#db, batchSize, leaseSeconds);
        for (const email of due) await this.#deliver(email);
        if (due.length < batchSize) return;
      }
    } catch (error) {
      // The database may be down for a moment: the messages stay queued, and the next look tries again.
      this.#logger.warn({ err: error }, 'email queue unavailable; trying again shortly');
    }
  }

  async #deliver(email: EmailRow): Promise<void> {
    try {
      if (email.content === null) throw new Error('the message has no content');
      const { text, html } = await openContent(this.#sealer, email.content);
      await this.#transport.send({
        from: { name: email.sender_name, address: this.#fromAddress },
        to: email.recipient,
        subject: email.subject,
        text,
        html,
      }, this.#stopping.signal);
    } catch (error) {
      await this.#failed(email, error);
      return;
    }
    await markEmailSent(this.#db, email.id);
    this.#logger.info({ email: email.id, kind: email.kind, attempts: email.attempts }, 'email sent');
  }

  async #failed(email: EmailRow, error: unknown): Promise<void> {
    const reason = describeFailure(error);
    const queuedFor = (Date.now() - email.queued_at.getTime()) / 1000;
    if (isPermanentFailure(error) || email.content === null || queuedFor >= this.#settings.giveUpAfter) {
      await markEmailFailed(this.#db, email.id, reason);
      this.#logger.error({ email: email.id, kind: email.kind, attempts: email.attempts, reason }, 'email could not be sent; marked failed');
      return;
    }
    const delay = retryDelaySeconds(this.#settings, email.attempts);
    await scheduleEmailRetry(this.#db, email.id, delay, reason);
    this.#logger.warn({ email: email.id, kind: email.kind, attempts: email.attempts, retryInSeconds: delay, reason }, 'email not sent yet; will try again');
  }
}

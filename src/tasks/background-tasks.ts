import type { Logger } from '../logger.ts';

/**
 * Work a request starts and does not wait for: it runs once the request's handler has finished (after a
 * setImmediate), so the answer cannot depend on it, in time or in content. A node stopping waits for what is under
 * way (`drain`). Used where the answer must not tell whether an account exists (a password reset request).
 */
export class BackgroundTasks {
  readonly #pending = new Set<Promise<void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  run(what: string, task: () => Promise<void>): void {
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) => this.#logger.error({ err: error, task: what }, 'background task failed'))
      .finally(() => this.#pending.delete(running));
    this.#pending.add(running);
  }

  /** Resolves once no task is running (tasks started meanwhile included). */
  async drain(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }
}

import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import type { Config } from './config/config.ts';
import type { Logger } from './logger.ts';
import { announceSetupLink } from './server.ts';
import { openRuntime } from './runtime.ts';

/**
 * `SESAME_WORKERS` above 1: `start` becomes a primary process that sets the database up once and forks the workers,
 * each a whole Sesame (src/server.ts) serving the same port; the primary hands each new connection to the next one.
 * Workers share nothing but the database, like the nodes of a cluster (DESIGN.md §6).
 */

export interface Primary {
  issuer: string;
  workers: number;
}

/** A worker's place: when it dies, another takes it, sooner or later depending on how often this happened. */
interface Slot {
  worker: Worker;
  startedAt: number;
  /** Deaths in a row with no steady run (`steadyMs`) between them. */
  earlyDeaths: number;
  restart?: NodeJS.Timeout;
}

/** A worker that lived this long is taken to have been sound: its death is restarted at once. */
const steadyMs = 60_000;
const maxBackOffMs = 30_000;
/** Workers still running this long after the shutdown signal are killed. */
const shutdownGraceMs = 30_000;

/** First death restarts at once; each further early death waits twice as long (1 s, 2 s, 4 s … 30 s). */
export function restartDelay(earlyDeaths: number): number {
  return earlyDeaths <= 1 ? 0 : Math.min(maxBackOffMs, 1000 * 2 ** (earlyDeaths - 2));
}

/** Each line a worker logs says which worker it is. */
export function workerLogger(logger: Logger): Logger {
  return logger.child({ worker: cluster.worker?.id, pid: process.pid });
}

export const isWorker = cluster.isWorker;

/**
 * Runs the primary: migrations, keys and the check of the master secret once, then `config.workers` workers.
 * Resolves once every worker serves; rejects (having stopped them) when one could not start.
 */
export async function startPrimary(config: Config, baseLogger: Logger): Promise<Primary> {
  const logger = baseLogger.child({ primary: true, pid: process.pid });
  const runtime = await openRuntime(config, logger);
  try {
    const port = await resolvePort(config);
    const issuer = config.issuer ?? `http://localhost:${port}`;
    // Round-robin on every platform: left to the kernel, connections pile up on a few workers.
    cluster.schedulingPolicy = cluster.SCHED_RR;
    const slots = new Set<Slot>();
    const fork = () => cluster.fork({ PORT: String(port) });
    for (let i = 0; i < config.workers; i++) slots.add({ worker: fork(), startedAt: Date.now(), earlyDeaths: 0 });
    await allListening([...slots].map((slot) => slot.worker), logger);
    superviseWorkers(slots, fork, logger);
    await announceSetupLink(runtime.db, issuer, config, logger);
    logger.info({ issuer, port, workers: config.workers }, 'all workers started');
    return { issuer, workers: config.workers };
  } finally {
    await runtime.db.destroy();
  }
}

/**
 * PORT=0 picks a free port here, so that every worker, and any that replaces one, binds the same one and knows its
 * issuer before it listens.
 */
async function resolvePort(config: Config): Promise<number> {
  if (config.port !== 0) return config.port;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, config.host, () => resolve());
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export class WorkerStartError extends Error {
  readonly worker: number;

  constructor(worker: number, code: number | null, signal: string | null) {
    super(`worker ${worker} stopped while starting (${signal ?? `exit code ${code}`}); its message is above`);
    this.name = 'WorkerStartError';
    this.worker = worker;
  }
}

/** A worker listens once it is ready. If one exits before, the start fails: its own message says why. */
async function allListening(workers: Worker[], logger: Logger): Promise<void> {
  try {
    await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
      const failed = (code: number | null, signal: string | null) => reject(new WorkerStartError(worker.id, code, signal));
      worker.once('exit', failed);
      worker.once('listening', () => {
        worker.off('exit', failed);
        resolve();
      });
    })));
  } catch (error) {
    logger.error({ worker: (error as WorkerStartError).worker }, 'a worker could not start; stopping the others');
    const running = workers.filter((worker) => !worker.isDead());
    await Promise.all(running.map((worker) => new Promise((resolve) => {
      worker.once('exit', resolve);
      worker.process.kill('SIGTERM');
    })));
    throw error;
  }
}

/**
 * Restarts a worker that dies, with a back-off so a crash loop does not spin; SIGTERM and SIGINT are passed to the
 * workers, which stop gracefully, and the primary exits once they all have (1 if one could not stop cleanly).
 */
function superviseWorkers(slots: Set<Slot>, fork: () => Worker, logger: Logger): void {
  let stopping = false;
  let failed = false;

  cluster.on('listening', (worker) => logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker started'));

  cluster.on('exit', (worker, code, signal) => {
    const slot = [...slots].find((s) => s.worker === worker);
    if (!slot) return;
    if (stopping) {
      if (code !== 0 && code !== null) failed = true;
      slots.delete(slot);
      if (slots.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    slot.earlyDeaths = Date.now() - slot.startedAt < steadyMs ? slot.earlyDeaths + 1 : 1;
    const delayMs = restartDelay(slot.earlyDeaths);
    logger[code === 0 ? 'warn' : 'error']({ worker: worker.id, workerPid: worker.process.pid, code, signal, restartInMs: delayMs }, 'worker exited; starting another');
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      slot.worker = fork();
      slot.startedAt = Date.now();
    }, delayMs);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const slot of slots) {
      if (slot.restart) {
        clearTimeout(slot.restart);
        slots.delete(slot);
      } else {
        slot.worker.process.kill(signal);
      }
    }
    if (slots.size === 0) process.exit(0);
    setTimeout(() => {
      logger.error({ workers: [...slots].map((s) => s.worker.id) }, 'workers did not stop in time; killing them');
      failed = true;
      for (const slot of slots) slot.worker.process.kill('SIGKILL');
    }, shutdownGraceMs).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

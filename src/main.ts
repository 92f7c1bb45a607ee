import { loadConfig } from './config/config.ts';
import { asksForHelp, runCli } from './cli/cli.ts';
import { exitCodeOf } from './cli/exit-code.ts';
import { asyncStdout, createLogger, endLog } from './logger.ts';
import { startSesame } from './server.ts';
import { isWorker, startPrimary, workerLogger } from './workers.ts';

function announceRunning(issuer: string, workers = 1): void {
  const how = workers > 1 ? ` with ${workers} workers` : '';
  console.log(`Sesame is running at ${issuer}${how}\n  discovery: ${issuer}/.well-known/openid-configuration`);
}

async function start(): Promise<void> {
  const config = loadConfig();
  if (config.workers > 1 && !isWorker) {
    const primary = await startPrimary(config, createLogger(config.logLevel));
    announceRunning(primary.issuer, primary.workers);
    return;
  }
  // A serving process logs asynchronously (one line per request) and writes the rest out before it exits.
  const destination = asyncStdout();
  const base = createLogger(config.logLevel, destination);
  const logger = isWorker ? workerLogger(base) : base;
  const sesame = await startSesame(config, logger, { worker: isWorker });
  if (!isWorker) announceRunning(sesame.issuer);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    sesame.close().then(() => 0, (error) => {
      logger.error({ err: error }, 'shutdown failed');
      return 1;
    }).then(async (code) => {
      await endLog(destination);
      process.exit(code);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const argv = process.argv.slice(2);
const code = await exitCodeOf(async () => {
  if (argv[0] !== 'start' || asksForHelp(argv)) return runCli(loadConfig, argv);
  await start();
  // The server keeps the process running.
  return -1;
});
if (code >= 0) process.exit(code);

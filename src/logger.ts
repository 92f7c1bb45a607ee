import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on standard output (or `destination`, which tests use to read what would be logged). Secrets never
 * reach it: request logs carry the path, not the query.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'sesame' },
    redact: { paths: ['password', '*.password', 'client_secret', '*.client_secret', 'authorization', '*.authorization'], censor: '[redacted]' },
  }, destination);
}

/**
 * `logger` without redaction, writing to the same destination with the same bindings and level, for a line whose
 * fields are fixed and hold nothing to redact: redaction looks at every field of every line, which for the line
 * logged on each request costs about as much again as writing it.
 */
export function unredacted(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}

type AsyncStdout = ReturnType<typeof pino.destination>;

/**
 * Standard error, for a command whose standard output is its answer (the CLI: `--json` must stay JSON). Synchronous:
 * the command exits as soon as it has answered.
 */
export function stderrLog(): DestinationStream {
  return pino.destination({ dest: 2, sync: true });
}

/**
 * Standard output written asynchronously, for a serving process: a request does not wait for its log line to reach
 * the pipe or file (written synchronously, the request log cost about half the throughput of the lightest
 * endpoints). Lines queued while a write is under way go out together in the next. `endLog` writes out the rest.
 */
export function asyncStdout(): AsyncStdout {
  return pino.destination({ dest: 1, sync: false });
}

/**
 * Writes out every line still queued and closes the destination, for a graceful stop; nothing may be logged after.
 * Lines already handed to the system are waited for, so none is lost or reordered by the exit that follows.
 */
export function endLog(destination: AsyncStdout): Promise<void> {
  return new Promise((resolve) => {
    destination.once('close', () => resolve());
    destination.once('error', () => resolve());
    destination.end();
  });
}

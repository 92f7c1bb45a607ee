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

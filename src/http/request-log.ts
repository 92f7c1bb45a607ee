import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { unredacted, type Logger } from '../logger.ts';

/**
 * One log line per request, with status and duration; the path only, never the query (it may hold codes). Its
 * fields are these few, none a secret, so the line is written without redaction.
 */
export function withRequestLog(logger: Logger, handle: RequestListener): RequestListener {
  const requestLogger = unredacted(logger);
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const id = randomUUID();
    res.setHeader('X-Request-Id', id);
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = (req.url ?? '/').split('?')[0];
      const level = res.statusCode >= 500 ? 'error' : 'info';
      requestLogger[level]({ req: id, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    handle(req, res);
  };
}

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
      const ms = Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 10) / 10;
      const path = (req.url ?? '/').split('?')[0];
      // The connection closed before the answer was sent (the client gave up, most often): no status was sent, and
      // the one the response holds is only a default (Koa's 404), which would read as a real answer.
      if (!res.writableFinished) {
        requestLogger.info({ req: id, method: req.method, path, aborted: true, ms }, 'request');
        return;
      }
      const level = res.statusCode >= 500 ? 'error' : 'info';
      requestLogger[level]({ req: id, method: req.method, path, status: res.statusCode, ms }, 'request');
    });
    handle(req, res);
  };
}

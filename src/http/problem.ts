import type { Context, Middleware } from 'koa';
import { z, ZodError } from 'zod';
import { ServiceError, type FieldError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { fieldErrorsOf, InvalidInputError } from '../validation/parse-input.ts';

/**
 * Management API errors as RFC 9457 problem details. `code` is a stable `domain.reason` that callers may
 * branch on; `detail` is for people; `errors` names each invalid field by JSON Pointer. Only errors meant
 * for the caller are exposed: anything else is logged and answered with a generic `server.error`.
 */
export const problemSchema = z.object({
  type: z.string().describe('URI of the problem type: the reference page section for `code`'),
  title: z.string().describe('Short summary of the problem type'),
  status: z.number().int().describe('HTTP status code'),
  detail: z.string().describe('What went wrong this time, for a person, in English: each invalid field named by its label'),
  code: z.string().describe('Stable machine-readable code, `domain.reason`'),
  errors: z.array(z.object({
    pointer: z.string().describe('JSON Pointer (RFC 6901) into the request: `/redirect_uris/2`, `/query/limit`'),
    detail: z.string().describe('A sentence for a person that names the field by its label, as the console shows it'),
  })).optional()
    .describe('Invalid fields, each named by a JSON Pointer into the request (RFC 6901)'),
}).meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

/** An error the API answers with as it is; thrown by the HTTP layer (auth, parsing), like ServiceError below it. */
export class ProblemError extends ServiceError {
  readonly headers: Record<string, string>;

  constructor(code: string, detail: string, status: number, options: { fields?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(code, detail, status, options.fields);
    this.name = 'ProblemError';
    this.headers = options.headers ?? {};
  }
}

export function problemTypeUri(base: string, code: string): string {
  return `${base}/api/docs#${code}`;
}

export function sendProblem(ctx: Context, base: string, error: ServiceError): void {
  const status = titles[error.status] ? error.status : 400;
  const body: Problem = {
    type: problemTypeUri(base, error.code),
    title: titles[status]!,
    status,
    detail: error.message,
    code: error.code,
    ...(error.fields?.length ? { errors: error.fields.map(({ pointer, detail }) => ({ pointer, detail })) } : {}),
  };
  if (error instanceof ProblemError) ctx.set(error.headers);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  // The console is in English, and so are the problems it shows next to its fields, whatever the browser prefers.
  ctx.set('Content-Language', 'en');
  ctx.body = body;
  ctx.type = 'application/problem+json';
}


/** Errors from body parsing (raw-body / co-body) carry an HTTP status and a `type`. */
function bodyProblem(error: unknown): ProblemError | undefined {
  const e = error as { status?: number; type?: string };
  if (e?.status === 413 || e?.type === 'entity.too.large') return new ProblemError('request.too_large', 'the request body is too large', 413);
  if (e?.status === 415) return new ProblemError('request.unsupported_media_type', 'send the body as application/json', 415);
  if (e?.status === 400 || e?.type === 'entity.parse.failed') return new ProblemError('request.malformed_json', 'the request body is not valid JSON', 400);
  return undefined;
}

/** Turns every error under /api into problem JSON; unexpected ones are logged and never described. */
export function problemBoundary(logger: Logger, base: () => string): Middleware {
  return async function answerWithProblem(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (error instanceof ServiceError) return sendProblem(ctx, base(), error);
      // A service that parsed without parseInput: its schema is not known here, so fields are named from their keys.
      if (error instanceof ZodError) return sendProblem(ctx, base(), new InvalidInputError(fieldErrorsOf(undefined, error.issues)));
      const parsing = bodyProblem(error);
      if (parsing) return sendProblem(ctx, base(), parsing);
      logger.error({ err: error, path: ctx.path }, 'management API error');
      sendProblem(ctx, base(), new ServiceError('server.error', 'something went wrong on our side; the error was logged', 500));
    }
  };
}

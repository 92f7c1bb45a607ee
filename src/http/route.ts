import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { jsonPointer, ProblemError, validationProblem } from './problem.ts';

/**
 * A Management API operation declared with its schemas. The router validates params, query and body with
 * them, runs the handler, and passes the result through the response schema, which drops any field the
 * schema does not name (so a column such as a password hash can never leak). The OpenAPI document is
 * generated from the same declarations.
 */
export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

type Empty = z.ZodObject<{}>;

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  /** Relative to /api, with `:name` parameters. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** False for the few public routes (the OpenAPI document and its reference page). */
  auth?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Absent for 204 No Content. */
  response?: R;
  /** The handler writes the response itself, of this media type (the reference page, the OpenAPI document). */
  raw?: string;
  /** Success status; 200 by default, 204 when there is no response schema. */
  status?: number;
  /** Problem statuses this operation may answer with, besides 400 and the auth ones. */
  problems?: number[];
  handle(input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; ctx: Context }): Promise<R extends z.ZodType ? z.input<R> : void>;
}

export interface Route {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  raw?: string;
  status: number;
  problems: number[];
  handle(input: { params: unknown; query: unknown; body: unknown; ctx: Context }): Promise<unknown>;
}

export function defineRoute<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty, R extends z.ZodType = z.ZodVoid>(
  spec: RouteSpec<P, Q, B, R>,
): Route {
  return {
    ...spec,
    auth: spec.auth ?? true,
    status: spec.status ?? (spec.response || spec.raw ? 200 : 204),
    problems: spec.problems ?? [],
    handle: spec.handle as Route['handle'],
  };
}

/** The pointer of the first string (or key) holding a NUL, which PostgreSQL text cannot store. */
function nulPointer(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? jsonPointer(path) : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulPointer(item, [...path, String(i)]);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\u0000') ? jsonPointer([...path, key]) : nulPointer(item, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function parseWith(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  const nul = nulPointer(value);
  if (nul !== undefined) {
    const pointer = where === 'body' ? nul : `/${where}${nul}`;
    throw new ProblemError('request.invalid', `the request ${where} contains a NUL character at ${pointer || '/'}`, 400, {
      fields: [{ pointer, detail: 'must not contain a NUL character' }],
    });
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

/** Registers routes on a router, each behind `authenticate` unless it is public. */
export function mountRoutes(router: Router, routes: Route[], authenticate: Middleware): void {
  for (const route of routes) {
    const run: Middleware = async function runOperation(ctx) {
      if (route.body && ctx.request.type && !ctx.is('json')) {
        throw new ProblemError('request.unsupported_media_type', 'send the body as application/json', 415);
      }
      const params = parseWith(route.params, ctx.params, 'params');
      const query = parseWith(route.query, { ...ctx.query }, 'query');
      const body = route.body ? parseWith(route.body, (ctx.request as { body?: unknown }).body ?? {}, 'body') : {};
      const result = await route.handle({ params, query, body, ctx });
      if (route.raw) return;
      ctx.set('Cache-Control', 'no-store');
      if (!route.response) {
        ctx.status = route.status;
        return;
      }
      // A result that does not fit its schema is our bug: it surfaces as a logged 500, never as leaked data.
      const shaped = route.response.safeParse(result);
      if (!shaped.success) throw new Error(`${route.operationId} returned a response that does not fit its schema`, { cause: shaped.error });
      ctx.body = shaped.data;
      ctx.status = route.status;
    };
    const stack = route.auth ? [authenticate, run] : [run];
    router[route.method](route.path, ...stack);
  }
}

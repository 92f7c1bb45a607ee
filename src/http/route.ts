import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { fieldLabel } from '../validation/field-label.ts';
import { jsonPointer, parseInput, sentence } from '../validation/parse-input.ts';
import { ProblemError } from './problem.ts';

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

/** Deeper than any operation's schema goes; deeper input is refused before anything walks it. */
export const maxRequestDepth = 32;

/** How the parts of a request are named: pointers into the query and path start with `/query`, `/params`. */
function placeOf(where: string) {
  return { prefix: where === 'body' ? '' : `/${where}`, whole: `The request ${where === 'params' ? 'path' : where}` };
}

/**
 * Refuses what a schema must never see: nesting deeper than `maxRequestDepth`, and a NUL in any string or key
 * (PostgreSQL text cannot store one), naming the field by its pointer and its label. The walk uses its own stack,
 * not recursion, so input nested thousands of levels deep cannot overflow the call stack.
 */
function assertStorableInput(schema: z.ZodType, value: unknown, where: string): void {
  const place = placeOf(where);
  const refuse = (code: string, path: string[], problem: string, label = fieldLabel(schema, path, place.whole)) => {
    const detail = sentence(label, problem);
    return new ProblemError(code, detail, 400, { fields: [{ pointer: place.prefix + jsonPointer(path), detail }] });
  };
  const nul = (path: string[]) => refuse('request.invalid', path, 'must not contain a NUL character');
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) throw nul(path);
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= maxRequestDepth) throw refuse('request.too_deep', path, `must not nest objects or lists more than ${maxRequestDepth} levels deep`, place.whole);
    const entries = Array.isArray(current) ? current.map((item, i) => [String(i), item] as const) : Object.entries(current);
    for (const [key] of entries) if (key.includes('\u0000')) throw nul([...path, key]);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
  }
}

function parseWith(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  assertStorableInput(schema, value, where);
  return parseInput(schema, value, placeOf(where));
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

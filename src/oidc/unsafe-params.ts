import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Middleware } from 'koa';

/**
 * Parameters no client needs and no artifact should hold (issue 10 §1): C0 control characters (NUL among them;
 * PostgreSQL text cannot hold it) and lone surrogates, which JSON-valued parameters can carry as `\ud800`.
 * JSON-valued parameters are parsed and each name and string inside checked; JSON whitespace (TAB, CR, LF) is
 * fine between their tokens, and their nesting is capped (a claims request is a few levels deep).
 */
const controlCharacter = /[\u0000-\u001f]/;
const jsonParams = new Set(['claims', 'authorization_details']);
const maxJsonDepth = 16;

/** The name of the first parameter whose value Sesame refuses, if any. */
export function findUnsafeParam(params: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item !== 'string') continue;
      if (!item.isWellFormed()) return name;
      if (jsonParams.has(name) ? !isSafeJsonText(item) : controlCharacter.test(item)) return name;
    }
  }
  return undefined;
}

function isSafeJsonText(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: oidc-provider refuses it with its own message; only control characters are Sesame's concern.
    return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text);
  }
  // Iterative, so depth itself cannot overflow the stack.
  const stack: [unknown, number][] = [[parsed, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (controlCharacter.test(value) || !value.isWellFormed()) return false;
    } else if (value && typeof value === 'object') {
      if (depth >= maxJsonDepth) return false;
      for (const [key, inner] of Object.entries(value)) {
        if (controlCharacter.test(key) || !key.isWellFormed()) return false;
        stack.push([inner, depth + 1]);
      }
    }
  }
  return true;
}

const refusal = (name: string) => new errors.InvalidRequest(`${name} holds characters that are not allowed`);

/**
 * extraParams validator, the step oidc-provider runs on every authorization request once the client and the
 * redirect URI are known and before anything is stored: the refusal goes back as oidc-provider's error redirect.
 * It sees the query of a GET and the form body of a POST alike.
 */
export function refuseUnsafeAuthorizationParams(ctx: KoaContextWithOIDC): void {
  const name = findUnsafeParam(ctx.oidc.params as Record<string, unknown>);
  if (name) throw refusal(name);
}

/**
 * For every other endpoint (end_session keeps `state` in the session), a query with such a value gets
 * oidc-provider's JSON error before any route runs. Bodies are parsed inside the routes; what a body carries is
 * stored safely by the adapter (src/db/text.ts readableJson), and no query reads into payloads.
 */
export function refuseUnsafeQuery(authorizationPath: string): Middleware {
  return async function refuseUnsafeQueryParams(ctx, next) {
    if (ctx.path === authorizationPath || !ctx.querystring) return next();
    const name = findUnsafeParam(ctx.query);
    if (!name) return next();
    const error = refusal(name);
    ctx.status = error.statusCode;
    ctx.set('cache-control', 'no-store');
    ctx.body = { error: error.error, error_description: error.error_description };
  };
}

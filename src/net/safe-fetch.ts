import { lookup as systemLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent, RequestInit as UndiciRequestInit } from 'undici';
import { addressProblem } from './address-policy.ts';

/** Why a safe fetch refused a URL or its answer; the message names the rule, never a secret. */
export class SafeFetchError extends Error {
  override name = 'SafeFetchError';
}

/** A resolver with the shape of `dns.lookup` when asked for every address. */
export type Resolver = (hostname: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export interface SafeFetchOptions {
  /** Let loopback addresses through: tests and local development only (SESAME_ALLOW_LOOPBACK_METADATA). */
  allowLoopback: boolean;
  /** Largest response body read, in bytes; a longer one fails as it streams in. */
  maxBytes: number;
  /** Longest wait for the whole answer, in milliseconds. */
  timeoutMs: number;
  /** How host names become addresses; the system's resolver unless a caller brings its own. */
  resolve?: Resolver;
}

export type SafeFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` for URLs a stranger chose (SSRF protection): the host's addresses are resolved and checked
 * (src/net/address-policy.ts) and the connection goes to the address that was checked, so a name that resolves
 * differently the second time (DNS rebinding) gains nothing; redirects are refused; the body is cut at
 * `maxBytes` and the whole exchange at `timeoutMs`; a GET must answer JSON.
 */
export function safeFetch(options: SafeFetchOptions): SafeFetch {
  let client: Promise<{ fetch: typeof import('undici').fetch; dispatcher: Agent }> | undefined;
  // undici is loaded when a first URL is fetched: most nodes never fetch one, and it weighs 6 MB of heap.
  const connected = () => client ??= import('undici').then(({ Agent, fetch }) => ({
    fetch,
    dispatcher: new Agent({ connect: { lookup: checkedLookup(options.resolve ?? (systemLookup as unknown as Resolver), options.allowLoopback) } }),
  }));
  return async (input, init = {}) => {
    const url = new URL(input);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SafeFetchError(`${url.protocol} URLs are not fetched`);
    if (url.username || url.password) throw new SafeFetchError('URLs with user information are not fetched');
    // A literal address is never resolved, so it is checked here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const problem = addressProblem(host, options.allowLoopback);
      if (problem) throw new SafeFetchError(problem);
    }
    const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(init.signal ? [init.signal] : [])]);
    const { dispatcher: _engineGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
    const { fetch, dispatcher } = await connected();
    const response = await fetch(url, { ...(rest as UndiciRequestInit), redirect: 'manual', signal, dispatcher });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new SafeFetchError(`redirects are not followed (HTTP ${response.status})`);
    }
    if ((init.method ?? 'GET').toUpperCase() === 'GET' && !isJson(response.headers.get('content-type'))) {
      await response.body?.cancel();
      throw new SafeFetchError('the answer is not JSON (Content-Type application/json)');
    }
    return limitBody(response as unknown as Response, options.maxBytes);
  };
}

function isJson(contentType: string | null): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** Resolves every address of the host and refuses them all when any is one Sesame must not reach. */
function checkedLookup(resolve: Resolver, allowLoopback: boolean): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const problem = addresses.length === 0
        ? `${hostname} has no address`
        : addresses.map((a) => addressProblem(a.address, allowLoopback)).find(Boolean);
      if (problem) return callback(Object.assign(new SafeFetchError(`${hostname} resolves to a refused address: ${problem}`), { code: 'EREFUSEDADDRESS' }), '', 0);
      if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** The response with a body that fails once more than `maxBytes` arrive (a declared longer length fails at once). */
function limitBody(response: Response, maxBytes: number): Response {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    void response.body?.cancel();
    throw new SafeFetchError(`the answer is larger than ${maxBytes} bytes`);
  }
  if (!response.body) return response;
  let received = 0;
  const limited = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      received += chunk.byteLength;
      if (received > maxBytes) controller.error(new SafeFetchError(`the answer is larger than ${maxBytes} bytes`));
      else controller.enqueue(chunk);
    },
  }));
  return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
}

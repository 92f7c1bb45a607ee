/** The Management API, called with the signed-in admin's access token; errors are RFC 9457 problems. */

export interface FieldProblem { pointer: string; detail: string }

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldProblem[];

  constructor(status: number, code: string, detail: string, fields: FieldProblem[] = []) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** Field messages by JSON Pointer (`/redirect_uris/2`). */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries(this.fields.map((f) => [f.pointer, f.detail]));
  }
}

export interface ApiHandlers {
  token(): string | undefined;
  /** The token expired or was refused: sign in again. */
  onUnauthorized(): void;
  /** The signed-in user is not (or no longer) an admin. */
  onForbidden(code: string): void;
}

export type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

export function createApi(baseUrl: string, handlers: ApiHandlers): Api {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = handlers.token();
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'network.error', 'Sesame could not be reached. Check your connection and try again.');
    }
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    // A body that is not JSON (the consent report's CSV) comes back as its text.
    if (response.ok) return (json === undefined && text ? text : json) as T;
    const code = typeof json?.code === 'string' ? json.code : `http.${response.status}`;
    const detail = typeof json?.detail === 'string' ? json.detail : `The request failed (HTTP ${response.status}).`;
    if (response.status === 401) handlers.onUnauthorized();
    if (response.status === 403 && code.startsWith('auth.')) handlers.onForbidden(code);
    throw new ApiError(response.status, code, detail, Array.isArray(json?.errors) ? json.errors : []);
  };
}

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

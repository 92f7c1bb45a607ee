/** One invalid field: a JSON Pointer (RFC 6901) into the request and what is wrong with it. */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** An error meant for the caller, with a stable `domain.reason` code and an HTTP status. */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** Which fields were wrong, when the error is about input. */
  readonly fields: FieldError[] | undefined;

  constructor(code: string, message: string, status = 400, fields?: FieldError[]) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}

/** `assertThat(condition, error)` instead of nested if/throw. */
export function assertThat(condition: unknown, error: ServiceError | (() => ServiceError)): asserts condition {
  if (!condition) throw typeof error === 'function' ? error() : error;
}

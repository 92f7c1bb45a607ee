import { ZodError } from 'zod';
import { ConfigError } from '../config/config.ts';
import { ServiceError } from '../errors.ts';
import { WrongSecretError } from '../secrets/sealed.ts';
import { fieldErrorsOf } from '../validation/parse-input.ts';

/** A message for a person at a terminal; `expected` is false for bugs, which are also logged. */
export function describeError(error: unknown): { message: string; expected: boolean } {
  // Commands validate with parseOptions and services with parseInput; a ZodError is input something else parsed.
  if (error instanceof ZodError) return { message: fieldErrorsOf(undefined, error.issues).map((f) => f.detail).join('\n'), expected: true };
  if (error instanceof ServiceError || error instanceof ConfigError || error instanceof WrongSecretError) {
    return { message: error.message, expected: true };
  }
  if (error instanceof Error && (error.name === 'DataDirBusyError' || error.name === 'WorkerStartError')) return { message: error.message, expected: true };
  return { message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`, expected: false };
}

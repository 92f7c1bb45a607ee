import type { z } from 'zod';
import { ServiceError, type FieldError } from '../errors.ts';
import { fieldLabel } from './field-label.ts';
import { issueProblem } from './issue-problem.ts';

/**
 * Validating what a person or a program sent, with errors a person can read: each invalid field is named by a
 * JSON Pointer for programs and by its label in a sentence for people ("Application name must not be empty.").
 * The Management API's routes (src/http/route.ts) and the services (for the CLI and other callers) parse with
 * `parseInput`; the CLI words the same errors with its flags (src/cli/flag-errors.ts).
 */

/** `a.b.0` → `/a/b/0`, escaped as RFC 6901 says. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** `Logo URL` + `must use https` → `Logo URL must use https.` */
export function sentence(label: string, problem: string): string {
  const text = `${label} ${problem}`.trim();
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

export interface InputPlace {
  /** Put before every pointer: `/query` for the query string; nothing for a body. */
  prefix?: string;
  /** What the whole value is called, for an issue about all of it: "The request body". */
  whole?: string;
}

/**
 * Sesame's phrases start in lower case ("must not be empty"); zod's own start with a capital ("Too small: …").
 * An issue that was not parsed with `issueProblem` as its error map gets its phrase from it now.
 */
function problemOf(issue: z.core.$ZodIssue): string {
  return /^[a-z]/.test(issue.message) ? issue.message : issueProblem(issue);
}

/** The invalid fields of a failed parse of `schema` (undefined when it is not known), each in a sentence. */
export function fieldErrorsOf(schema: z.core.$ZodType | undefined, issues: readonly z.core.$ZodIssue[], place: InputPlace = {}): FieldError[] {
  const prefix = place.prefix ?? '';
  return issues.flatMap((issue): FieldError[] => {
    const pointer = prefix + jsonPointer(issue.path);
    if (issue.code === 'unrecognized_keys') {
      // A schema may say itself what its keys are ("can only be in the languages …"); else each key is named.
      const own = problemOf(issue) !== issueProblem(issue) ? sentence(fieldLabel(schema, issue.path, place.whole), issue.message) : undefined;
      const where = issue.path.length ? `of ${fieldLabel(schema, issue.path)}` : 'this request takes';
      return issue.keys.map((key) => ({ pointer: pointer + jsonPointer([key]), detail: own ?? `${JSON.stringify(key)} is not a field ${where}; remove it.` }));
    }
    return [{ pointer, detail: sentence(fieldLabel(schema, issue.path, place.whole), problemOf(issue)) }];
  });
}

/** Input that does not fit its schema: `request.invalid`, every invalid field named, the sentences as the detail. */
export class InvalidInputError extends ServiceError {
  constructor(fields: FieldError[], status = 400) {
    super('request.invalid', fields.map((field) => field.detail).join(' ') || 'The request is not valid.', status, fields);
    this.name = 'InvalidInputError';
  }
}

/** Parses `value` with `schema`, or throws InvalidInputError naming each invalid field by its label. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, place: InputPlace = {}): z.output<S> {
  const result = schema.safeParse(value, { error: issueProblem });
  if (!result.success) throw new InvalidInputError(fieldErrorsOf(schema, result.error.issues, place));
  return result.data;
}

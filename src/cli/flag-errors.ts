import type { z } from 'zod';
import { ServiceError } from '../errors.ts';
import { issueProblem } from '../validation/issue-problem.ts';
import { InvalidInputError, jsonPointer, sentence } from '../validation/parse-input.ts';
import type { OptionSpec } from './command.ts';

/**
 * Errors about input, told in the command's own terms: the flag a person typed (`--logo-url`), not the field the
 * service or the API calls it (`logo_url`, `accessTokenTtl`). Shared by the CLI process and the server's CLI
 * socket, through runCommand.
 */

/** `accessTokenTtl`, `logo_url` → `access-token-ttl`, `logo-url`. */
const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();

/**
 * The flag a field of a service's input is given with: `scopeIds` → `--scope-id`, `is_admin` → `--admin`, and a
 * translation by its language: `description_translations/fr` → `--description-fr`.
 */
export function flagFor(pointer: string, options: Record<string, OptionSpec>): string | undefined {
  const [field, entry] = pointer.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (!field) return undefined;
  const name = kebab(field);
  const candidates = [name, name.replace(/s$/, ''), name.replace(/-ids?$/, ''), name.replace(/^is-/, ''), `${name.replace(/-translations$/, '')}-${entry}`];
  const flag = candidates.find((candidate) => Object.hasOwn(options, candidate));
  return flag === undefined ? undefined : `--${flag}`;
}

/** The input of a command that does not fit its options' schema, each message naming its flag. */
export function parseOptions<I>(schema: z.ZodType<I>, options: unknown): I {
  const result = schema.safeParse(options, { error: issueProblem });
  if (result.success) return result.data;
  throw new InvalidInputError(result.error.issues.map((issue) => {
    const flag = issue.path.length ? `--${String(issue.path[0])}` : 'The options';
    // Messages that name their flag already (`--id is required`) stand as they are.
    return { pointer: jsonPointer(issue.path), detail: issue.message.startsWith('--') ? sentence('', issue.message) : sentence(flag, issue.message) };
  }));
}

/** A service's error about fields, each line led by the flag that gave the field: `--logo-url: Logo URL must use https.` */
export function inFlagTerms(error: unknown, options: Record<string, OptionSpec>): unknown {
  if (!(error instanceof ServiceError) || !error.fields?.length) return error;
  const lines = error.fields.map(({ pointer, detail }) => {
    const flag = flagFor(pointer, options);
    return flag && !detail.startsWith(flag) ? `${flag}: ${detail}` : detail;
  });
  return new ServiceError(error.code, lines.join('\n'), error.status, error.fields);
}

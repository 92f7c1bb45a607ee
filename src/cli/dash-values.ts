import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Ids Sesame makes are base64url and may start with `-` (a session id such as `-NMG…`), which util.parseArgs refuses
 * as the value of `--session -NMG…` ("argument is ambiguous"). Joins each value-taking flag to the word after it
 * (`--session=-NMG…`) unless that word is itself one of the command's flags or `--`, which keeps the
 * "forgot the value" error for `--session --json`.
 */
export function joinDashValues(args: readonly string[], options: Options): string[] {
  const flagNames = new Set(Object.keys(options).map((name) => `--${name}`));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const next = args[i + 1];
    const takesValue = word.startsWith('--') && options[word.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && next.startsWith('-') && next !== '--' && !flagNames.has(next.split('=')[0]!)) {
      joined.push(`${word}=${next}`);
      i++;
    } else {
      joined.push(word);
    }
  }
  return joined;
}

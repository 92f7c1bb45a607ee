import { z } from 'zod';

/** Option parsers the commands share, each failing with a message that names the flag. */

/** `--flag true|false`, for settings a command may turn either way. */
export const yesNo = (flag: string) => z.enum(['true', 'false'], { error: `${flag} must be true or false` }).transform((v) => v === 'true');

/** `a, b or c`: the values a flag accepts, for a person. */
export function choices(values: readonly string[]): string {
  return values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values.join('');
}

/** `--flag` taking one of a fixed list of values. */
export const oneOf = <const T extends readonly [string, ...string[]]>(flag: string, values: T) =>
  z.enum(values, { error: `${flag} must be ${choices(values)}` });

export const limit = z.coerce.number({ error: '--limit must be a number' }).int().min(1).max(1000).default(100);
export const offset = z.coerce.number({ error: '--offset must be a number' }).int().min(0).optional();

import { z } from 'zod';
import type { Command } from './commands.ts';

/** Option parsers the commands share, each failing with a message that names the flag. */

/** Checks a command against `Command` while keeping the type its input schema gives. */
export function command<I>(definition: Command<I>): Command<I> {
  return definition;
}

/** `--flag true|false`, for settings a command may turn either way. */
export const yesNo = (flag: string) => z.enum(['true', 'false'], { error: `${flag} must be true or false` }).transform((v) => v === 'true');

export const limit = z.coerce.number({ error: '--limit must be a number' }).int().min(1).max(1000).default(100);
export const offset = z.coerce.number({ error: '--offset must be a number' }).int().min(0).optional();

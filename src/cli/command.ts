import type { z } from 'zod';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import type { Sealer } from '../secrets/sealed.ts';
import type { Throttle } from '../throttle/throttle.service.ts';

/** What every CLI command is and runs with; the command tables (commands.ts and its neighbours) build on it. */

/** What a command runs with: in the CLI's own process, or inside the running server. */
export interface CommandContext {
  db: Db;
  sealer: Sealer;
  config: Config;
  /** Tells a running server that keys changed, so it serves them at once. */
  keysChanged?: () => Promise<void>;
  /** The issuer of the running server, when the command runs inside it. */
  issuer?: string;
  /** Migrations applied when this process opened the database, just before the command: `migrate` reports them. */
  migrated?: string[];
  /** The throttle (src/throttle/): the server's own when the command runs inside it, whose counters may be in memory. */
  throttle?: Throttle;
  /** Email and recovery: the server's own when the command runs inside it, so its sender sends at once. */
  recovery?: RecoveryDeps;
  /** The CLI's logger, on standard error: standard output is the command's answer. */
  logger?: Logger;
}

export interface Command<I> {
  summary: string;
  usage: string;
  /** Options as parsed by util.parseArgs. */
  options: Record<string, OptionSpec>;
  input: z.ZodType<I>;
  run(ctx: CommandContext, input: I): Promise<unknown>;
  /** Human-readable output; `--json` prints the result as JSON instead. */
  format(result: any): string;
}


/** One option as util.parseArgs reads it. */
export interface OptionSpec { type: 'string' | 'boolean'; multiple?: boolean }

/** Checks a command against `Command` while keeping the type its input schema gives. */
export function command<I>(definition: Command<I>): Command<I> {
  return definition;
}

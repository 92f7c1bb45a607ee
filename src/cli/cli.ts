import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config/config.ts';
import { createLogger, stderrLog } from '../logger.ts';
import { DataDirBusyError, openRuntime } from '../runtime.ts';
import { sendToServer } from './cli-socket.ts';
import { commands, findCommand, runCommand, type Command } from './commands.ts';
import { joinDashValues } from './dash-values.ts';
import { passwordStdinFlag, readFirstLine } from './password-stdin.ts';
import { describeError } from './describe-error.ts';
import { Throttle } from '../throttle/throttle.service.ts';
import { ServiceError } from '../errors.ts';

const startUsage = { usage: 'start', summary: 'Run the server' };

export function usage(): string {
  return [
    'Usage: npm run sesame -- <command> [options] [--json]',
    '',
    ...[startUsage, ...Object.values(commands)].map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'npm run sesame -- <command> --help describes one command.',
  ].join('\n');
}

const isHelp = (word: string | undefined) => word === '--help' || word === '-h';

/** A command's flags as the CLI takes them: `--json` for all, `--password-stdin` beside every `--password`. */
function optionsOf(cmd: Command<unknown>): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { ...cmd.options, json: { type: 'boolean' } };
  if ('password' in cmd.options) options[passwordStdinFlag] = { type: 'boolean' };
  return options;
}

/**
 * `help`, `--help` or `-h` first, or `--help`/`-h` among a command's flags — not as a flag's value
 * (`--name -h` names something `-h`, as any value starting with a dash).
 */
export function asksForHelp(argv: string[]): boolean {
  if (argv[0] === 'help' || isHelp(argv[0])) return true;
  if (argv[0] === 'start') return argv.slice(1).some(isHelp);
  const found = findCommand(argv);
  if (!found) return false;
  const cmd = commands[found.name] as Command<unknown>;
  return joinDashValues(found.rest, optionsOf(cmd)).some(isHelp);
}

/** What help prints: the usage of everything, or of the one command it names; nothing for a command there is not. */
function help(argv: string[]): string | undefined {
  const words = argv.filter((word) => word !== 'help' && !isHelp(word));
  if (!words.length) return usage();
  const named = findCommand(words);
  const found = words[0] === 'start' ? startUsage : named && commands[named.name];
  return found && `Usage: npm run sesame -- ${found.usage}\n\n${found.summary}`;
}

/** Runs one CLI command and returns the process exit code. The configuration is read only for a command to run. */
export async function runCli(loadConfig: () => Config, argv: string[]): Promise<number> {
  const helpText = asksForHelp(argv) ? help(argv) : undefined;
  if (helpText) {
    console.log(helpText);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    console.error(argv.length ? `unknown command: ${argv.join(' ')}\n\n${usage()}` : usage());
    return argv.length ? 2 : 0;
  }
  const cmd = commands[found.name] as Command<unknown>;
  let values: Record<string, unknown>;
  try {
    const options = optionsOf(cmd);
    ({ values } = parseArgs({ args: joinDashValues(found.rest, options), options, strict: true, allowPositionals: false }));
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: npm run sesame -- ${cmd.usage}`);
    return 2;
  }
  const { json, [passwordStdinFlag]: passwordFromStdin, ...options } = values;
  if (passwordFromStdin) {
    if (options.password !== undefined) {
      console.error(`give --password or --${passwordStdinFlag}, not both\nusage: npm run sesame -- ${cmd.usage}`);
      return 2;
    }
    options.password = await readFirstLine(process.stdin);
    if (!options.password) {
      console.error(`--${passwordStdinFlag}: standard input held no password (its first line is read)`);
      return 2;
    }
  }
  try {
    const result = await execute(loadConfig(), found.name, options);
    console.log(json ? JSON.stringify(result, null, 2) : cmd.format(result));
    return 0;
  } catch (error) {
    console.error(describeError(error).message);
    return 1;
  }
}

/** In this process when it can open the database; through the running server when that holds the embedded one. */
async function execute(config: Config, name: Parameters<typeof runCommand>[1], options: unknown): Promise<unknown> {
  const logger = createLogger(process.env.SESAME_LOG_LEVEL ?? 'warn', stderrLog());
  let runtime;
  try {
    runtime = await openRuntime(config, logger);
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    const response = await sendToServer(config.dataDir, { command: name, options }).catch(() => {
      throw error;
    });
    if (!response.ok) throw new ServiceError('cli.failed', response.error);
    return response.result;
  }
  try {
    const throttle = new Throttle(runtime.db, config.throttle, { pool: runtime.pool });
    return await runCommand({ db: runtime.db, sealer: runtime.sealer, config, migrated: runtime.migrated, throttle, logger }, name, options);
  } finally {
    await runtime.db.destroy();
    runtime.lock?.release();
  }
}

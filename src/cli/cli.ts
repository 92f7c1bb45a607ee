import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config/config.ts';
import { createLogger } from '../logger.ts';
import { DataDirBusyError, openRuntime } from '../runtime.ts';
import { sendToServer } from './cli-socket.ts';
import { commands, findCommand, runCommand, type Command } from './commands.ts';
import { joinDashValues } from './dash-values.ts';
import { describeError } from './describe-error.ts';
import { Throttle } from '../throttle/throttle.service.ts';
import { ServiceError } from '../errors.ts';

export function usage(): string {
  return [
    'Usage: npm run sesame -- <command> [options] [--json]',
    '',
    '  start                       run the server',
    ...Object.values(commands).map((c: Command<unknown>) => `  ${c.usage}\n      ${c.summary}`),
  ].join('\n');
}

/** Runs one CLI command and returns the process exit code. */
export async function runCli(config: Config, argv: string[]): Promise<number> {
  const found = findCommand(argv);
  if (!found) {
    console.error(argv.length ? `unknown command: ${argv.join(' ')}\n\n${usage()}` : usage());
    return argv.length ? 2 : 0;
  }
  const cmd = commands[found.name] as Command<unknown>;
  let values: Record<string, unknown>;
  try {
    const options: NonNullable<ParseArgsConfig['options']> = { ...cmd.options, json: { type: 'boolean' } };
    ({ values } = parseArgs({ args: joinDashValues(found.rest, options), options, strict: true, allowPositionals: false }));
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: npm run sesame -- ${cmd.usage}`);
    return 2;
  }
  const { json, ...options } = values;
  try {
    const result = await execute(config, found.name, options);
    console.log(json ? JSON.stringify(result, null, 2) : cmd.format(result));
    return 0;
  } catch (error) {
    console.error(describeError(error).message);
    return 1;
  }
}

/** In this process when it can open the database; through the running server when that holds the embedded one. */
async function execute(config: Config, name: Parameters<typeof runCommand>[1], options: unknown): Promise<unknown> {
  const logger = createLogger(process.env.SESAME_LOG_LEVEL ?? 'warn');
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
    return await runCommand({ db: runtime.db, sealer: runtime.sealer, config, migrated: runtime.migrated, throttle }, name, options);
  } finally {
    await runtime.db.destroy();
    runtime.lock?.release();
  }
}

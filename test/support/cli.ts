import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { format } from 'node:util';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/cli.ts';
import { loadConfig } from '../../src/config/config.ts';
import { exitCodeOf } from '../../src/cli/exit-code.ts';

/**
 * `npm run sesame -- …` for tests. `sesameCli` runs a command in this process through `runCli`, the function the
 * binary calls, and keeps what it prints: a cold `node src/main.ts` costs seconds, and most tests only need what the
 * command does and says. `spawnSesame` runs the real binary, for what only a real process shows (exit codes, the
 * socket from another process, start-up refusing a bad configuration, kill -9).
 */
export interface CliRun { code: number | null; stdout: string; stderr: string }

interface Capture { stdout: string; stderr: string }

const captures = new AsyncLocalStorage<Capture>();
let active = 0;
let restore: (() => void) | undefined;

/**
 * While a command runs, console.log and console.error (all runCli prints with) write to the buffers of the command
 * whose async context called them, so commands run in parallel do not mix their output. The process id is another
 * one meanwhile: the CLI then treats a server of this process holding the embedded database as another process,
 * and reaches it through its Unix socket as an operator's CLI does, instead of taking its lock over as stale.
 */
function beginCapture(): void {
  if (active++ > 0) return;
  const { log, error } = console;
  const pid = Object.getOwnPropertyDescriptor(process, 'pid')!;
  console.log = (...args: unknown[]) => {
    const capture = captures.getStore();
    if (capture) capture.stdout += `${format(...args)}\n`;
    else log.apply(console, args);
  };
  console.error = (...args: unknown[]) => {
    const capture = captures.getStore();
    if (capture) capture.stderr += `${format(...args)}\n`;
    else error.apply(console, args);
  };
  Object.defineProperty(process, 'pid', { ...pid, value: process.ppid });
  restore = () => {
    console.log = log;
    console.error = error;
    Object.defineProperty(process, 'pid', pid);
  };
}

function endCapture(): void {
  if (--active > 0) return;
  restore?.();
  restore = undefined;
}

/**
 * Runs `sesame ...args` in this process with the configuration `env` would give the binary, and answers as the
 * process would: the exit code and what went to standard output and standard error, through the same exitCodeOf
 * as src/main.ts.
 */
export async function sesameCli(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const capture: Capture = { stdout: '', stderr: '' };
  beginCapture();
  try {
    const code = await captures.run(capture, () => exitCodeOf(() => runCli(() => loadConfig(env), args)));
    return { code, ...capture };
  } finally {
    endCapture();
  }
}

/** The real binary, `node src/main.ts ...args`, with exactly `env` (and PATH) as its environment. */
export function spawnSesame(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return spawnSesameWithInput(env, undefined, ...args);
}

/** As `spawnSesame`, with `input` written to its standard input (none when undefined). */
export function spawnSesameWithInput(env: Record<string, string>, input: string | undefined, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // A command that refuses before reading its input closes the pipe: that is its answer, not an error here.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServerProcess {
  pid: number;
  /** Everything it wrote so far, standard output and standard error together. */
  output(): string;
  /** Sends SIGTERM and waits until it has exited and all it wrote has been read. */
  stop(): Promise<void>;
}

/**
 * `node [nodeArgs] src/main.ts start` as its own process with exactly `env` (and PATH), once it says it is running,
 * for what only a whole process shows (its compiler's choices, the modules it loaded).
 */
export async function startServerProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, 'src/main.ts', 'start'], { env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk; });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk; });
  // 'close', not 'exit': the process can be gone while the end of what it wrote is still on its way through the pipes.
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => (output.includes('Sesame is running at') ? resolve() : undefined));
    child.on('exit', () => reject(new Error(`the server did not start:\n${output.slice(-2000)}`)));
  });
  return {
    pid: child.pid!,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A CLI bound to one configuration: `run` answers like the process, `json` adds --json and expects success. */
export function cliWith(env: () => Record<string, string>) {
  const run = (...args: string[]) => sesameCli(env(), ...args);
  return {
    run,
    async json<T = any>(...args: string[]): Promise<T> {
      const result = await run(...args, '--json');
      if (result.code !== 0) throw new Error(`sesame ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      expect(result.stderr, `${args.join(' ')}: ${result.stderr}`).toBe('');
      return JSON.parse(result.stdout) as T;
    },
    /** The command fails with a message for a person matching `pattern`. */
    async fails(pattern: RegExp, ...args: string[]): Promise<CliRun> {
      const result = await run(...args);
      expectCleanFailure(result, pattern);
      return result;
    },
  };
}

/** A failure a person reads: a non-zero exit and the message on standard error, with no stack trace or internals. */
export function expectCleanFailure(run: CliRun, message: RegExp): void {
  expect(run.code, run.stdout).not.toBe(0);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+|node:internal|unexpected error/);
}

import { z } from 'zod';
import { configFromEnv, configSchema, type Config } from './schema.ts';
import { issueProblem } from '../validation/issue-problem.ts';

export type { Config };

/** Limits on guessing secrets (src/throttle/); durations in seconds. */
export type ThrottleSettings = Config['throttle'];

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the environment through the schema; a bad value names the key and how to fix it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(configSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = configFromEnv.safeParse(input, { error: issueProblem });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return parsed.data;
}

/** Markdown reference of every setting, generated from the schema. */
export function configReference(): string {
  const rows = Object.entries(configSchema.shape).map(([key, field]) => {
    const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as { default?: unknown };
    const fallback = json.default === undefined ? '—' : `\`${String(json.default)}\``;
    return `| \`${key}\` | ${fallback} | ${field.description ?? ''} |`;
  });
  return [
    '# Configuration',
    '',
    'Sesame reads its settings from environment variables. Generated from `src/config/schema.ts` by `npm run docs:config`; do not edit by hand.',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

import { z } from 'zod';
import { fixedApplicationFields } from '../apps/app.schema.ts';
import type { OptionSpec } from './command.ts';
import { choices, yesNo } from './options.ts';
import { issueProblem } from '../validation/issue-problem.ts';
import { sentence } from '../validation/parse-input.ts';

/**
 * The CLI's flags for an app's settings, derived from the app schema (src/apps/app.schema.ts) so a new setting
 * gets its flag without a line here: `redirect_uris` → `--redirect-uri` (kebab-case, singular for a list, one
 * flag per value). The app schema validates; errors name the flag.
 */

type Kind = 'text' | 'choice' | 'number' | 'boolean' | 'list';

interface AppFlag {
  flag: string;
  field: string;
  kind: Kind;
  values: readonly string[];
  required: boolean;
}

/** Create: on/off switches are bare flags (`--third-party`); update: `--flag true|false`, either way. */
export type AppFlagMode = 'create' | 'update';

function kindOf(schema: z.ZodType): { kind: Kind; values: readonly string[] } {
  let inner = schema as z.core.$ZodType;
  while ('innerType' in inner._zod.def) inner = inner._zod.def.innerType as z.core.$ZodType;
  const def = inner._zod.def;
  switch (def.type) {
    case 'enum': return { kind: 'choice', values: Object.values((def as z.core.$ZodEnumDef).entries).map(String) };
    case 'number': return { kind: 'number', values: [] };
    case 'boolean': return { kind: 'boolean', values: [] };
    case 'array': return { kind: 'list', values: [] };
    default: return { kind: 'text', values: [] };
  }
}

function appFlags(schema: z.ZodObject, mode: AppFlagMode): AppFlag[] {
  return Object.entries(schema.shape)
    .filter(([field]) => mode === 'create' || !(fixedApplicationFields as readonly string[]).includes(field))
    .map(([field, fieldSchema]) => {
      const { kind, values } = kindOf(fieldSchema as z.ZodType);
      const kebab = field.replaceAll('_', '-');
      return {
        flag: kind === 'list' ? kebab.replace(/s$/, '') : kebab,
        field,
        kind,
        values,
        required: !(fieldSchema as z.ZodType).safeParse(undefined).success,
      };
    });
}

function optionOf({ kind }: AppFlag, mode: AppFlagMode): OptionSpec {
  if (kind === 'list') return { type: 'string', multiple: true };
  return { type: kind === 'boolean' && mode === 'create' ? 'boolean' : 'string' };
}

/** The flag's value as a command line gives it, made into the setting's type; the app schema checks the rest. */
function cliValue(f: AppFlag, mode: AppFlagMode): z.ZodType {
  if (f.kind === 'number') return z.coerce.number({ error: `--${f.flag} must be a number` }).optional();
  if (f.kind === 'boolean' && mode === 'update') return yesNo(`--${f.flag}`).optional();
  return z.unknown().optional();
}

function usageOf(f: AppFlag, mode: AppFlagMode): string {
  const placeholder = f.kind === 'choice' ? f.values.join('|')
    : f.kind === 'number' ? 'N'
      : f.kind === 'boolean' ? (mode === 'update' ? 'true|false' : '')
        : f.flag.split('-').at(-1)!.toUpperCase();
  const written = placeholder ? `--${f.flag} ${placeholder}` : `--${f.flag}`;
  return f.required ? written : f.kind === 'list' ? `[${written}]...` : `[${written}]`;
}

function messageFor(f: AppFlag, issue: z.core.$ZodIssue, given: unknown): string {
  if (given === undefined && f.required) return `--${f.flag} is required`;
  if (f.kind === 'choice' && issue.code === 'invalid_value') return `--${f.flag} must be ${choices(f.values)}`;
  // A list's entry: which one, counting from 1 (`--redirect-uri 2 must not be empty`).
  const entry = f.kind === 'list' && typeof issue.path[1] === 'number' ? ` ${issue.path[1] + 1}` : '';
  return sentence(`--${f.flag}${entry}`, issue.message);
}

/**
 * What a command needs to take an app's settings as flags: its parseArgs options, its usage and an input schema
 * that validates with `schema` and gives `{ ...other, settings }`, `other` being the command's own options.
 */
export function appSettingsInput<S extends z.ZodObject, O extends z.ZodRawShape>(schema: S, mode: AppFlagMode, other: O) {
  const flags = appFlags(schema, mode);
  const input = z.object({ ...other, ...Object.fromEntries(flags.map((f) => [f.flag, cliValue(f, mode)])) })
    .transform((values: Record<string, unknown>, ctx) => {
      const given = Object.fromEntries(flags.filter((f) => values[f.flag] !== undefined).map((f) => [f.field, values[f.flag]]));
      const parsed = schema.safeParse(given, { error: issueProblem });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const f = flags.find((candidate) => candidate.field === issue.path[0]);
          if (!f) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
          else ctx.addIssue({ code: 'custom', message: messageFor(f, issue, given[f.field]), path: [f.flag, ...issue.path.slice(1)] });
        }
        return z.NEVER;
      }
      const own = Object.fromEntries(Object.keys(other).map((key) => [key, values[key]]));
      return { ...own, settings: parsed.data } as z.output<z.ZodObject<O>> & { settings: z.output<S> };
    });
  return {
    options: Object.fromEntries(flags.map((f) => [f.flag, optionOf(f, mode)])),
    usage: [...flags.filter((f) => f.required), ...flags.filter((f) => !f.required)].map((f) => usageOf(f, mode)).join(' '),
    input,
  };
}

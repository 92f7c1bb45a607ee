import { z } from 'zod';
import { createApplication } from '../apps/app.service.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { listKeys, rotateKeys } from '../keys/key-store.ts';
import type { Sealer } from '../secrets/sealed.ts';
import { createUser, publicUser } from '../users/user.service.ts';

/** What a command runs with: in the CLI's own process, or inside the running server. */
export interface CommandContext {
  db: Db;
  sealer: Sealer;
  config: Config;
  /** Tells a running server that keys changed, so it serves them at once. */
  keysChanged?: () => Promise<void>;
}

export interface Command<I> {
  summary: string;
  usage: string;
  /** Options as parsed by util.parseArgs. */
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  input: z.ZodType<I>;
  run(ctx: CommandContext, input: I): Promise<unknown>;
  /** Human-readable output; `--json` prints the result as JSON instead. */
  format(result: any): string;
}

function command<I>(definition: Command<I>): Command<I> {
  return definition;
}

const table = (rows: Record<string, unknown>[]) => {
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v ?? ''));
  const header = rows[0] ? [Object.keys(rows[0]).join('\t')] : [];
  return [...header, ...rows.map((row) => Object.values(row).map(cell).join('\t'))].join('\n');
};

export const commands = {
  migrate: command({
    summary: 'Apply pending database migrations',
    usage: 'migrate',
    options: {},
    input: z.object({}),
    run: async ({ db }) => migrateToLatest(db),
    format: (r: { applied: string[] }) => (r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date'),
  }),

  'users create': command({
    summary: 'Create a user',
    usage: 'users create --username U --password P [--email E] [--name N] [--admin]',
    options: { username: { type: 'string' }, password: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' } },
    input: z.object({
      username: z.string({ error: '--username is required' }),
      password: z.string({ error: '--password is required' }),
      email: z.string().optional(),
      name: z.string().optional(),
      admin: z.boolean().optional(),
    }),
    run: async ({ db }, input) => publicUser(await createUser(db, input)),
    format: (u: { id: string; username: string; is_admin: boolean }) => `created user ${u.username} (id ${u.id})${u.is_admin ? ', admin' : ''}`,
  }),

  'apps create': command({
    summary: 'Register an application',
    usage: 'apps create --name N --type traditional|spa|native|m2m [--description D] [--redirect-uri U]... [--post-logout-redirect-uri U]... [--cors-origin O]...',
    options: {
      name: { type: 'string' }, type: { type: 'string' }, description: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'cors-origin': { type: 'string', multiple: true },
    },
    input: z.object({
      name: z.string({ error: '--name is required' }),
      type: z.enum(['traditional', 'spa', 'native', 'm2m'], { error: '--type must be traditional, spa, native or m2m' }),
      description: z.string().optional(),
      'redirect-uri': z.array(z.string()).default([]),
      'post-logout-redirect-uri': z.array(z.string()).default([]),
      'cors-origin': z.array(z.string()).default([]),
    }),
    async run({ db }, input) {
      const { application, clientSecret } = await createApplication(db, {
        name: input.name,
        type: input.type,
        description: input.description,
        redirectUris: input['redirect-uri'],
        postLogoutRedirectUris: input['post-logout-redirect-uri'],
        corsOrigins: input['cors-origin'],
      });
      return { ...application, client_id: application.id, ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
    format: (a: { name: string; type: string; client_id: string; client_secret?: string }) => [
      `created ${a.type} app ${a.name}`,
      `client_id: ${a.client_id}`,
      ...(a.client_secret ? [`client_secret: ${a.client_secret}`, '(the secret is shown only now; store it safely)'] : []),
    ].join('\n'),
  }),

  'keys list': command({
    summary: 'List signing and cookie keys',
    usage: 'keys list',
    options: {},
    input: z.object({}),
    run: async ({ db }) => listKeys(db),
    format: (keys: Record<string, unknown>[]) => table(keys),
  }),

  'keys rotate': command({
    summary: 'Start signing with new keys; the old ones stay published for verification',
    usage: 'keys rotate [--cookie]',
    options: { cookie: { type: 'boolean' } },
    input: z.object({ cookie: z.boolean().optional() }),
    async run(ctx, input) {
      const fresh = await rotateKeys(ctx.db, ctx.sealer, input.cookie ? 'cookie' : 'sig');
      await ctx.keysChanged?.();
      return fresh;
    },
    format: (keys: { kid: string; alg: string }[]) => keys.map((k) => `new active ${k.alg} key ${k.kid}`).join('\n'),
  }),
} satisfies Record<string, Command<any>>;

export type CommandName = keyof typeof commands;

export function findCommand(words: string[]): { name: CommandName; rest: string[] } | undefined {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ');
    if (name in commands) return { name: name as CommandName, rest: words.slice(length) };
  }
  return undefined;
}

/** Validates a command's input and runs it; shared by the CLI process and the server's CLI socket. */
export async function runCommand(ctx: CommandContext, name: CommandName, options: unknown): Promise<unknown> {
  const cmd = commands[name] as Command<unknown>;
  return cmd.run(ctx, cmd.input.parse(options));
}

import { z } from 'zod';
import { accessCommands } from './access-commands.ts';
import { sessionCommands } from './session-commands.ts';
import { consentCommands } from './consent-commands.ts';
import { appSettingsInput } from './app-flags.ts';
import { command, type Command, type CommandContext } from './command.ts';
import { inFlagTerms, parseOptions } from './flag-errors.ts';
import { limit, offset, oneOf, yesNo } from './options.ts';
import { fields, table } from './output.ts';
import { signInExperienceCommands } from './sign-in-experience-commands.ts';
import { emailCommands } from './email-commands.ts';
import { mfaCommands } from './mfa-commands.ts';
import { registrationCommands } from './registration-commands.ts';
import {
  createApplication, createSecret, deleteApplication, deleteSecret, getApplication, listApplications, listSecrets,
  updateApplication,
} from '../apps/app.service.ts';
import { applicationChangesSchema, newApplicationSchema } from '../apps/app.schema.ts';
import { appStatuses, appTypes } from '../apps/app-types.ts';
import type { Application, ApplicationSecret } from '../db/tables.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { listKeys, rotateKeys } from '../keys/key-store.ts';
import { Throttle } from '../throttle/throttle.service.ts';
import {
  createUser, deleteUser, getUser, listUsers, publicUser, setUserPassword, suspendUser, unsuspendUser, updateUserProfile,
} from '../users/user.service.ts';

const createFlags = appSettingsInput(newApplicationSchema, 'create', {});
const updateFlags = appSettingsInput(applicationChangesSchema, 'update', { id: z.string({ error: '--id is required' }) });

const throttleOf = (ctx: CommandContext): Throttle => ctx.throttle ?? new Throttle(ctx.db, ctx.config.throttle);

/** An app as the CLI shows it: its settings, with the client id under its protocol name. */
const appSummary = (app: Application) => ({ client_id: app.id, ...app });

/** A secret as the CLI lists it: never a value or its hash. */
const secretSummary = (secret: ApplicationSecret) => ({
  id: secret.id, name: secret.name, last_chars: secret.last_chars, expires_at: secret.expires_at, created_at: secret.created_at,
});

const passwordRequired = '--password is required (or --password-stdin, which reads it from standard input)';

export const commands = {
  migrate: command({
    summary: 'Apply pending database migrations',
    usage: 'migrate',
    options: {},
    input: z.object({}),
    run: async ({ db, migrated = [] }) => ({ applied: [...migrated, ...(await migrateToLatest(db)).applied] }),
    format: (r: { applied: string[] }) => (r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date'),
  }),

  'users create': command({
    summary: 'Create a user',
    usage: 'users create --username U (--password P | --password-stdin) [--email E] [--name N] [--admin]',
    options: { username: { type: 'string' }, password: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' } },
    input: z.object({
      username: z.string({ error: '--username is required' }),
      password: z.string({ error: passwordRequired }),
      email: z.string().optional(),
      name: z.string().optional(),
      admin: z.boolean().optional(),
    }),
    run: async ({ db }, input) => publicUser(await createUser(db, input)),
    format: (u: { id: string; username: string; is_admin: boolean }) => `created user ${u.username} (id ${u.id})${u.is_admin ? ', admin' : ''}`,
  }),

  'apps create': command({
    summary: 'Register an application',
    usage: `apps create ${createFlags.usage}`,
    options: createFlags.options,
    input: createFlags.input,
    async run({ db }, { settings }) {
      const { application, clientSecret } = await createApplication(db, settings);
      return { ...application, client_id: application.id, ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
    format: (a: { name: string; type: string; client_id: string; client_secret?: string }) => [
      `created ${a.type} app ${a.name}`,
      `client_id: ${a.client_id}`,
      ...(a.client_secret ? [`client_secret: ${a.client_secret}`, '(the secret is shown only now; store it safely)'] : []),
    ].join('\n'),
  }),

  'apps list': command({
    summary: 'List applications, newest first',
    usage: 'apps list [--type T] [--third-party | --first-party] [--status pending|approved|denied] [--dynamic] [--search TEXT] [--limit N] [--offset N]',
    options: {
      type: { type: 'string' }, 'third-party': { type: 'boolean' }, 'first-party': { type: 'boolean' },
      status: { type: 'string' }, dynamic: { type: 'boolean' },
      search: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' },
    },
    input: z.object({
      type: oneOf('--type', appTypes).optional(),
      'third-party': z.boolean().optional(),
      'first-party': z.boolean().optional(),
      status: oneOf('--status', appStatuses).optional(),
      dynamic: z.boolean().optional(),
      search: z.string().optional(),
      limit,
      offset,
    }),
    async run({ db }, input) {
      const thirdParty = input['third-party'] ? true : input['first-party'] ? false : undefined;
      const page = await listApplications(db, { type: input.type, thirdParty, status: input.status, dynamic: input.dynamic, search: input.search }, { limit: input.limit, offset: input.offset });
      return { total: page.total, applications: page.applications.map(appSummary) };
    },
    format: (r: { total: number; applications: Record<string, unknown>[] }) =>
      `${table(r.applications.map(({ client_id, name, type, third_party, management_access, origin, status }) => ({ client_id, name, type, third_party, management_access, origin, status })))}\n(${r.applications.length} of ${r.total})`,
  }),

  'apps show': command({
    summary: 'Show an application',
    usage: 'apps show --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => appSummary(await getApplication(db, input.id)),
    format: (a: Record<string, unknown>) => fields(a),
  }),

  'apps update': command({
    summary: 'Change an application (lists given replace the old ones; type and third-party never change)',
    usage: `apps update --id CLIENT_ID ${updateFlags.usage}`,
    options: { id: { type: 'string' }, ...updateFlags.options },
    input: updateFlags.input,
    run: async ({ db }, { id, settings }) => appSummary(await updateApplication(db, id, settings)),
    format: (a: Record<string, unknown>) => `updated app ${a.name}\n${fields(a)}`,
  }),

  'apps delete': command({
    summary: 'Delete an application, its secrets and everything issued to it',
    usage: 'apps delete --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    async run({ db }, input) {
      await deleteApplication(db, input.id);
      return { deleted: input.id };
    },
    format: (r: { deleted: string }) => `deleted app ${r.deleted}`,
  }),

  'apps secrets create': command({
    summary: 'Add a client secret to a confidential app (shown once); the others keep working',
    usage: 'apps secrets create --id CLIENT_ID --name N [--expires-at 2027-01-31T00:00:00Z]',
    options: { id: { type: 'string' }, name: { type: 'string' }, 'expires-at': { type: 'string' } },
    input: z.object({
      id: z.string({ error: '--id is required' }),
      name: z.string({ error: '--name is required' }),
      'expires-at': z.iso.datetime({ offset: true, error: '--expires-at must be an ISO 8601 date-time like 2027-01-31T00:00:00Z' }).optional(),
    }),
    async run({ db }, input) {
      const { secret, value } = await createSecret(db, input.id, {
        name: input.name,
        expiresAt: input['expires-at'] ? new Date(input['expires-at']) : null,
      });
      return { ...secretSummary(secret), client_secret: value };
    },
    // Through the server's socket dates arrive as ISO strings.
    format: (s: { id: string; name: string; client_secret: string; expires_at: Date | string | null }) => [
      `created secret ${s.name} (id ${s.id})${s.expires_at ? `, expires ${new Date(s.expires_at).toISOString()}` : ''}`,
      `client_secret: ${s.client_secret}`,
      '(the secret is shown only now; store it safely)',
    ].join('\n'),
  }),

  'apps secrets list': command({
    summary: "List an app's client secrets (never their values)",
    usage: 'apps secrets list --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => (await listSecrets(db, input.id)).map(secretSummary),
    format: (rows: Record<string, unknown>[]) => (rows.length ? table(rows) : 'no secrets'),
  }),

  'apps secrets delete': command({
    summary: 'Delete a client secret; it stops working at once',
    usage: 'apps secrets delete --id CLIENT_ID --secret-id SECRET_ID',
    options: { id: { type: 'string' }, 'secret-id': { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }), 'secret-id': z.string({ error: '--secret-id is required' }) }),
    async run({ db }, input) {
      await deleteSecret(db, input.id, input['secret-id']);
      return { deleted: input['secret-id'] };
    },
    format: (r: { deleted: string }) => `deleted secret ${r.deleted}`,
  }),

  'users list': command({
    summary: 'List users, newest first',
    usage: 'users list [--search TEXT] [--suspended] [--admin] [--limit N] [--offset N]',
    options: { search: { type: 'string' }, suspended: { type: 'boolean' }, admin: { type: 'boolean' }, limit: { type: 'string' }, offset: { type: 'string' } },
    input: z.object({
      search: z.string().optional(),
      suspended: z.boolean().optional(),
      admin: z.boolean().optional(),
      limit,
      offset,
    }),
    async run({ db }, input) {
      const page = await listUsers(db, { search: input.search, suspended: input.suspended, admin: input.admin }, { limit: input.limit, offset: input.offset });
      return { total: page.total, users: page.users.map(publicUser) };
    },
    format: (r: { total: number; users: Record<string, unknown>[] }) =>
      `${table(r.users.map(({ id, username, email, name, is_admin, suspended }) => ({ id, username, email, name, is_admin, suspended })))}\n(${r.users.length} of ${r.total})`,
  }),

  'users show': command({
    summary: 'Show a user',
    usage: 'users show --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => publicUser(await getUser(db, input.id)),
    format: (u: Record<string, unknown>) => fields(u),
  }),

  'users update': command({
    summary: "Change a user's profile",
    usage: 'users update --id USER_ID [--username U] [--email E] [--name N] [--given-name G] [--family-name F] [--nickname N] [--locale L] [--phone-number P] [--admin true|false]',
    options: {
      id: { type: 'string' }, username: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' },
      'given-name': { type: 'string' }, 'family-name': { type: 'string' }, nickname: { type: 'string' },
      locale: { type: 'string' }, 'phone-number': { type: 'string' }, admin: { type: 'string' },
    },
    input: z.object({
      id: z.string({ error: '--id is required' }),
      username: z.string().optional(),
      email: z.string().optional(),
      name: z.string().optional(),
      'given-name': z.string().optional(),
      'family-name': z.string().optional(),
      nickname: z.string().optional(),
      locale: z.string().optional(),
      'phone-number': z.string().optional(),
      admin: yesNo('--admin').optional(),
    }),
    async run({ db }, input) {
      return publicUser(await updateUserProfile(db, input.id, {
        username: input.username,
        email: input.email,
        name: input.name,
        given_name: input['given-name'],
        family_name: input['family-name'],
        nickname: input.nickname,
        locale: input.locale,
        phone_number: input['phone-number'],
        is_admin: input.admin,
      }));
    },
    format: (u: Record<string, unknown>) => `updated user ${u.username}\n${fields(u)}`,
  }),

  'users suspend': command({
    summary: 'Suspend a user: no sign-in; sessions and tokens end at once',
    usage: 'users suspend --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => publicUser(await suspendUser(db, input.id)),
    format: (u: { username: string }) => `suspended user ${u.username}`,
  }),

  'users unsuspend': command({
    summary: 'Lift a suspension',
    usage: 'users unsuspend --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => publicUser(await unsuspendUser(db, input.id)),
    format: (u: { username: string }) => `unsuspended user ${u.username}`,
  }),

  'users delete': command({
    summary: 'Delete a user; sessions, grants and tokens end at once',
    usage: 'users delete --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    async run({ db }, input) {
      await deleteUser(db, input.id);
      return { deleted: input.id };
    },
    format: (r: { deleted: string }) => `deleted user ${r.deleted}`,
  }),

  'users set-password': command({
    summary: "Set a user's password; their sessions and tokens end",
    usage: 'users set-password --id USER_ID (--password P | --password-stdin)',
    options: { id: { type: 'string' }, password: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }), password: z.string({ error: passwordRequired }) }),
    async run({ db }, input) {
      await setUserPassword(db, input.id, input.password);
      return { updated: input.id };
    },
    format: (r: { updated: string }) => `password set for user ${r.updated}`,
  }),

  'users unlock': command({
    summary: 'Lift a user\'s lockout: every block on their username and email, from any IP or device',
    usage: 'users unlock --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    async run(ctx, input) {
      const user = await getUser(ctx.db, input.id);
      const lifted = await throttleOf(ctx).unlockUser(user, { by: 'cli' });
      return { id: user.id, username: user.username, lifted: lifted.length };
    },
    format: (r: { username: string; lifted: number }) => (r.lifted ? `lifted ${r.lifted} block(s) on ${r.username}` : `${r.username} was not locked out`),
  }),

  'lockouts list': command({
    summary: 'List blocks in force: who may not sign in (or use a client secret, the setup link, sign-up) until when',
    usage: 'lockouts list [--user-id USER_ID]',
    options: { 'user-id': { type: 'string' } },
    input: z.object({ 'user-id': z.string().optional() }),
    run: async (ctx, input) => throttleOf(ctx).activeBlocks({ userId: input['user-id'] }),
    format: (rows: Record<string, unknown>[]) => (rows.length
      ? table(rows.map(({ policy, account_key, user_id, client_id, ip, failures, blocked_until }) => ({ policy, account_key, user_id, client_id, ip, failures, blocked_until })))
      : 'no lockouts'),
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

  ...accessCommands,
  ...sessionCommands,
  ...consentCommands,
  ...signInExperienceCommands,
  ...emailCommands,
  ...mfaCommands,
  ...registrationCommands,
} satisfies Record<string, Command<any>>;

export type { Command, CommandContext };

export type CommandName = keyof typeof commands;

export function findCommand(words: string[]): { name: CommandName; rest: string[] } | undefined {
  for (const length of [3, 2, 1]) {
    const name = words.slice(0, length).join(' ');
    // Own keys only: `constructor` or `toString` are not commands.
    if (Object.hasOwn(commands, name)) return { name: name as CommandName, rest: words.slice(length) };
  }
  return undefined;
}

/**
 * Validates a command's input and runs it; shared by the CLI process and the server's CLI socket. Errors about
 * input name the flag that gave it (src/cli/flag-errors.ts).
 */
export async function runCommand(ctx: CommandContext, name: CommandName, options: unknown): Promise<unknown> {
  const cmd = commands[name] as Command<unknown>;
  try {
    return await cmd.run(ctx, parseOptions(cmd.input, options));
  } catch (error) {
    throw inFlagTerms(error, cmd.options);
  }
}

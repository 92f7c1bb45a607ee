import { z } from 'zod';
import { getBranding, updateBranding, type Branding } from '../apps/branding.service.ts';
import { auditEventTypes, listAuditEvents } from '../audit/audit.repository.ts';
import { listUserGrants, revokeUserGrant, type UserGrant } from '../grants/grant.service.ts';
import { getPermissions, setPermissions, type Permissions, type ResourceScopeRef } from '../permissions/permission.service.ts';
import { addScope, createResource, deleteResource, getResource, listResources, removeScope, updateScope, type ApiResource } from '../resources/resource.service.ts';
import { supportedLocales } from '../i18n/messages.ts';
import { addRoleScopes, assignRolesToUser, createRole, deleteRole, findRole, listRoles, removeRoleScope, unassignRole, type Role } from '../roles/role.service.ts';
import { command, type Command, type CommandContext } from './command.ts';
import { limit, offset } from './options.ts';
import { fields, table } from './output.ts';

/**
 * CLI commands for third-party access (DESIGN.md §4): API resources and their scopes, roles, an app's
 * permissions and branding, users' grants, and the audit trail.
 */

/** The issuer the server runs as; in the CLI's own process, the configured one. */
const issuerOf = (ctx: CommandContext) => ctx.issuer ?? ctx.config.issuer ?? `http://localhost:${ctx.config.port}`;

const id = (flag = '--id') => z.string({ error: `${flag} is required` }).min(1, `${flag} is required`);

/** `NAME` or `NAME DESCRIPTION…`: a scope name never holds a space, so the first one ends it. */
function parseScopeOption(value: string) {
  const at = value.indexOf(' ');
  return at < 0 ? { name: value } : { name: value.slice(0, at), description: value.slice(at + 1) };
}

/** `--description-fr TEXT`…: a scope's description in each language the consent screen speaks. */
const translationFlags = supportedLocales.map((locale) => `description-${locale}`);
const translationOptions = Object.fromEntries(translationFlags.map((flag) => [flag, { type: 'string' as const }]));
const translationInput = Object.fromEntries(translationFlags.map((flag) => [flag, z.string().optional()]));
const translationUsage = supportedLocales.map((locale) => `[--description-${locale} TEXT]`).join(' ');

/** The translations given as flags, or undefined when none was (an empty one removes that language). */
function translationsOf(input: Record<string, unknown>): Record<string, string> | undefined {
  const given = supportedLocales.filter((locale) => typeof input[`description-${locale}`] === 'string');
  return given.length ? Object.fromEntries(given.map((locale) => [locale, input[`description-${locale}`] as string])) : undefined;
}

const scopeSummary = (s: ApiResource['scopes'][number]) => ({
  id: s.id, name: s.name, description: s.description, description_translations: s.description_translations,
});

const resourceSummary = (r: ApiResource) => ({
  id: r.id, name: r.name, indicator: r.indicator, access_token_ttl: r.access_token_ttl, access_token_format: r.access_token_format,
  scopes: r.scopes.map(scopeSummary),
  created_at: r.created_at,
});

const roleSummary = (r: Role) => ({
  id: r.id, name: r.name, description: r.description, user_count: r.user_count,
  scopes: r.scopes.map((s) => ({ id: s.id, resource: s.indicator, name: s.name })),
});

const permissionsSummary = (p: Permissions) => ({
  user_scopes: p.userScopes,
  resource_scopes: p.resourceScopes.map((s) => ({ id: s.id, resource: s.indicator, scope: s.name })),
  always_allowed: p.alwaysAllowed,
});

const formatScope = (s: ReturnType<typeof scopeSummary>) => [
  `  ${s.name}\t${s.id}\t${s.description}`,
  ...Object.entries(s.description_translations).map(([locale, text]) => `    ${locale}: ${text}`),
].join('\n');

const formatResource = (r: ReturnType<typeof resourceSummary>) => [
  `${r.name} (id ${r.id})`,
  `indicator: ${r.indicator}`,
  `access_token_ttl: ${r.access_token_ttl ?? 'default'}`,
  `access_token_format: ${r.access_token_format}`,
  ...(r.scopes.length ? ['scopes:', ...r.scopes.map(formatScope)] : ['scopes: none']),
].join('\n');

const formatPermissions = (p: ReturnType<typeof permissionsSummary>) => [
  p.always_allowed.length
    ? `user data scopes: ${p.user_scopes.join(' ') || 'none'} (${p.always_allowed.join(' and ')} are always allowed)`
    : 'user data scopes: none (a machine-to-machine app acts for no user)',
  `API resource scopes: ${p.resource_scopes.length ? '' : 'none'}`,
  ...p.resource_scopes.map((s) => `  ${s.resource} ${s.scope}\t${s.id}`),
].join('\n');

/** `INDICATOR#SCOPE`: an indicator never holds a fragment, so `#` cannot be part of it. */
function parseResourceScope(value: string, i: number, ctx: z.RefinementCtx): ResourceScopeRef {
  const at = value.lastIndexOf('#');
  if (at <= 0 || at === value.length - 1) {
    ctx.addIssue({ code: 'custom', message: `--resource-scope ${JSON.stringify(value)} must be INDICATOR#SCOPE, like https://api.example.com#read`, path: [i] });
    return z.NEVER;
  }
  return { resource: value.slice(0, at), scope: value.slice(at + 1) };
}

export const accessCommands = {
  'resources create': command({
    summary: 'Register an API resource (RFC 8707); each --scope is a name, optionally followed by a space and its description',
    usage: 'resources create --name N --indicator URI [--access-token-ttl SECONDS] [--access-token-format jwt|opaque] [--scope "NAME [DESCRIPTION]"]...',
    options: { name: { type: 'string' }, indicator: { type: 'string' }, 'access-token-ttl': { type: 'string' }, 'access-token-format': { type: 'string' }, scope: { type: 'string', multiple: true } },
    input: z.object({
      name: z.string({ error: '--name is required' }),
      indicator: z.string({ error: '--indicator is required' }),
      'access-token-ttl': z.coerce.number({ error: '--access-token-ttl must be a number of seconds' }).int().optional(),
      'access-token-format': z.enum(['jwt', 'opaque'], { error: '--access-token-format must be jwt or opaque' }).optional(),
      scope: z.array(z.string()).default([]),
    }),
    async run(ctx, input) {
      return resourceSummary(await createResource(ctx.db, issuerOf(ctx), {
        name: input.name, indicator: input.indicator, accessTokenTtl: input['access-token-ttl'], accessTokenFormat: input['access-token-format'], scopes: input.scope.map(parseScopeOption),
      }));
    },
    format: (r: ReturnType<typeof resourceSummary>) => `created API resource ${formatResource(r)}`,
  }),

  'resources list': command({
    summary: 'List API resources, newest first',
    usage: 'resources list [--search TEXT] [--limit N] [--offset N]',
    options: { search: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    input: z.object({ search: z.string().optional(), limit, offset }),
    async run({ db }, input) {
      const page = await listResources(db, input.search, { limit: input.limit, offset: input.offset });
      return { total: page.total, resources: page.resources.map(resourceSummary) };
    },
    format: (r: { total: number; resources: ReturnType<typeof resourceSummary>[] }) =>
      `${table(r.resources.map(({ id, name, indicator, scopes }) => ({ id, name, indicator, scopes: scopes.map((s) => s.name).join(' ') })))}\n(${r.resources.length} of ${r.total})`,
  }),

  'resources show': command({
    summary: 'Show an API resource and its scopes',
    usage: 'resources show --id RESOURCE_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    run: async ({ db }, input) => resourceSummary(await getResource(db, input.id)),
    format: formatResource,
  }),

  'resources delete': command({
    summary: 'Delete an API resource with its scopes; roles and allowlists lose them',
    usage: 'resources delete --id RESOURCE_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    async run({ db }, input) {
      await deleteResource(db, input.id);
      return { deleted: input.id };
    },
    format: (r: { deleted: string }) => `deleted API resource ${r.deleted}`,
  }),

  'resources scopes add': command({
    summary: 'Add a scope to an API resource; --description is shown on the consent screen, --description-LANG in that language',
    usage: `resources scopes add --id RESOURCE_ID --name SCOPE [--description D] ${translationUsage}`,
    options: { id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, ...translationOptions },
    input: z.object({ id: id(), name: z.string({ error: '--name is required' }), description: z.string().optional(), ...translationInput }),
    async run({ db }, input) {
      const scope = await addScope(db, input.id, { name: input.name, description: input.description, description_translations: translationsOf(input) });
      return { resource_id: scope.resource_id, ...scopeSummary(scope) };
    },
    format: (s: { id: string; name: string }) => `added scope ${s.name} (id ${s.id})`,
  }),

  'resources scopes update': command({
    summary: "Change a scope's descriptions (by scope id or name); the --description-LANG flags given replace all translations, an empty one removes it",
    usage: `resources scopes update --id RESOURCE_ID (--scope-id SCOPE_ID | --name SCOPE) [--description D] ${translationUsage}`,
    options: { id: { type: 'string' }, 'scope-id': { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, ...translationOptions },
    input: z.object({ id: id(), 'scope-id': z.string().optional(), name: z.string().optional(), description: z.string().optional(), ...translationInput })
      .refine((i) => i['scope-id'] || i.name, { message: '--scope-id or --name is required' }),
    async run({ db }, input) {
      const resource = await getResource(db, input.id);
      const scopeId = input['scope-id'] ?? resource.scopes.find((s) => s.name === input.name)?.id ?? input.name!;
      const scope = await updateScope(db, input.id, scopeId, { description: input.description, description_translations: translationsOf(input) });
      return { resource_id: scope.resource_id, ...scopeSummary(scope) };
    },
    format: (s: ReturnType<typeof scopeSummary>) => `updated scope ${s.name}\n${formatScope(s)}`,
  }),

  'resources scopes remove': command({
    summary: 'Remove a scope from an API resource, by id or name',
    usage: 'resources scopes remove --id RESOURCE_ID (--scope-id SCOPE_ID | --name SCOPE)',
    options: { id: { type: 'string' }, 'scope-id': { type: 'string' }, name: { type: 'string' } },
    input: z.object({ id: id(), 'scope-id': z.string().optional(), name: z.string().optional() })
      .refine((i) => i['scope-id'] || i.name, { message: '--scope-id or --name is required' }),
    async run({ db }, input) {
      let scopeId = input['scope-id'];
      if (!scopeId) {
        const resource = await getResource(db, input.id);
        scopeId = resource.scopes.find((s) => s.name === input.name)?.id ?? input.name!;
      }
      await removeScope(db, input.id, scopeId);
      return { removed: scopeId };
    },
    format: (r: { removed: string }) => `removed scope ${r.removed}`,
  }),

  'roles create': command({
    summary: 'Create a role giving API resource scopes (by id)',
    usage: 'roles create --name N [--description D] [--scope-id SCOPE_ID]...',
    options: { name: { type: 'string' }, description: { type: 'string' }, 'scope-id': { type: 'string', multiple: true } },
    input: z.object({ name: z.string({ error: '--name is required' }), description: z.string().optional(), 'scope-id': z.array(z.string()).default([]) }),
    run: async ({ db }, input) => roleSummary(await createRole(db, { name: input.name, description: input.description, scopeIds: input['scope-id'] })),
    format: (r: ReturnType<typeof roleSummary>) => `created role ${r.name} (id ${r.id})\n${fields({ scopes: r.scopes.map((s) => `${s.resource} ${s.name}`).join(', ') })}`,
  }),

  'roles list': command({
    summary: 'List roles, newest first',
    usage: 'roles list [--search TEXT] [--limit N] [--offset N]',
    options: { search: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    input: z.object({ search: z.string().optional(), limit, offset }),
    async run({ db }, input) {
      const page = await listRoles(db, input.search, { limit: input.limit, offset: input.offset });
      return { total: page.total, roles: page.roles.map(roleSummary) };
    },
    format: (r: { total: number; roles: ReturnType<typeof roleSummary>[] }) =>
      `${table(r.roles.map(({ id, name, user_count, scopes }) => ({ id, name, user_count, scopes: scopes.map((s) => `${s.resource}#${s.name}`).join(' ') })))}\n(${r.roles.length} of ${r.total})`,
  }),

  'roles delete': command({
    summary: 'Delete a role (by id or name); its users lose its scopes',
    usage: 'roles delete --id ROLE',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    async run({ db }, input) {
      const role = await findRole(db, input.id);
      await deleteRole(db, role.id);
      return { deleted: role.id };
    },
    format: (r: { deleted: string }) => `deleted role ${r.deleted}`,
  }),

  'roles scopes add': command({
    summary: 'Add API resource scopes (by id) to a role (by id or name)',
    usage: 'roles scopes add --id ROLE --scope-id SCOPE_ID...',
    options: { id: { type: 'string' }, 'scope-id': { type: 'string', multiple: true } },
    input: z.object({ id: id(), 'scope-id': z.array(z.string(), { error: '--scope-id is required' }).min(1, '--scope-id is required') }),
    async run({ db }, input) {
      const role = await findRole(db, input.id);
      return roleSummary(await addRoleScopes(db, role.id, input['scope-id']));
    },
    format: (r: ReturnType<typeof roleSummary>) => `role ${r.name} gives: ${r.scopes.map((s) => `${s.resource}#${s.name}`).join(' ') || 'nothing'}`,
  }),

  'roles scopes remove': command({
    summary: 'Remove a scope (by id) from a role (by id or name)',
    usage: 'roles scopes remove --id ROLE --scope-id SCOPE_ID',
    options: { id: { type: 'string' }, 'scope-id': { type: 'string' } },
    input: z.object({ id: id(), 'scope-id': id('--scope-id') }),
    async run({ db }, input) {
      const role = await findRole(db, input.id);
      await removeRoleScope(db, role.id, input['scope-id']);
      return { role: role.id, removed: input['scope-id'] };
    },
    format: (r: { role: string; removed: string }) => `removed scope ${r.removed} from role ${r.role}`,
  }),

  'roles assign': command({
    summary: 'Give a role (by id or name) to a user',
    usage: 'roles assign --user USER_ID --role ROLE',
    options: { user: { type: 'string' }, role: { type: 'string' } },
    input: z.object({ user: id('--user'), role: id('--role') }),
    async run({ db }, input) {
      const role = await findRole(db, input.role);
      await assignRolesToUser(db, input.user, [role.id]);
      return { user: input.user, role: role.id, name: role.name };
    },
    format: (r: { user: string; name: string }) => `user ${r.user} now holds the role ${r.name}`,
  }),

  'roles unassign': command({
    summary: 'Take a role (by id or name) from a user',
    usage: 'roles unassign --user USER_ID --role ROLE',
    options: { user: { type: 'string' }, role: { type: 'string' } },
    input: z.object({ user: id('--user'), role: id('--role') }),
    async run({ db }, input) {
      const role = await findRole(db, input.role);
      await unassignRole(db, input.user, role.id);
      return { user: input.user, role: role.id, name: role.name };
    },
    format: (r: { user: string; name: string }) => `user ${r.user} no longer holds the role ${r.name}`,
  }),

  'apps permissions show': command({
    summary: 'Show what a third-party app may ask users for, or what an m2m app may obtain for itself',
    usage: 'apps permissions show --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    run: async ({ db }, input) => permissionsSummary(await getPermissions(db, input.id)),
    format: formatPermissions,
  }),

  'apps permissions set': command({
    summary: "Replace a third-party or m2m app's allowlist (user data scopes, third-party apps only; resource scopes as INDICATOR#SCOPE or by id)",
    usage: 'apps permissions set --id CLIENT_ID [--user-scope profile|email|phone|address|roles]... [--resource-scope INDICATOR#SCOPE]... [--scope-id SCOPE_ID]...',
    options: {
      id: { type: 'string' }, 'user-scope': { type: 'string', multiple: true },
      'resource-scope': { type: 'string', multiple: true }, 'scope-id': { type: 'string', multiple: true },
    },
    input: z.object({
      id: id(),
      'user-scope': z.array(z.enum(['profile', 'email', 'phone', 'address', 'roles', 'openid', 'offline_access'], {
        error: '--user-scope must be profile, email, phone, address or roles',
      })).default([]),
      'resource-scope': z.array(z.string()).default([]).transform((values, ctx) => values.map((v, i) => parseResourceScope(v, i, ctx))),
      'scope-id': z.array(z.string()).default([]),
    }),
    async run(ctx, input) {
      return permissionsSummary(await setPermissions(ctx.db, issuerOf(ctx), input.id, {
        userScopes: input['user-scope'],
        resourceScopes: [...input['resource-scope'], ...input['scope-id'].map((scopeId) => ({ scope_id: scopeId }))],
      }));
    },
    format: (p: ReturnType<typeof permissionsSummary>) => `permissions set\n${formatPermissions(p)}`,
  }),

  'apps branding show': command({
    summary: "Show a third-party app's consent-screen branding",
    usage: 'apps branding show --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    run: async ({ db }, input) => getBranding(db, input.id),
    format: (b: Branding) => fields(b),
  }),

  'apps branding set': command({
    summary: "Change a third-party app's branding; only the options given change, an empty value clears one",
    usage: 'apps branding set --id CLIENT_ID [--display-name N] [--logo-url URL] [--logo-dark-url URL] [--terms-url URL] [--privacy-url URL]',
    options: {
      id: { type: 'string' }, 'display-name': { type: 'string' }, 'logo-url': { type: 'string' }, 'logo-dark-url': { type: 'string' },
      'terms-url': { type: 'string' }, 'privacy-url': { type: 'string' },
    },
    input: z.object({
      id: id(),
      'display-name': z.string().optional(),
      'logo-url': z.string().optional(),
      'logo-dark-url': z.string().optional(),
      'terms-url': z.string().optional(),
      'privacy-url': z.string().optional(),
    }),
    run: async ({ db }, input) => updateBranding(db, input.id, {
      display_name: input['display-name'],
      logo_url: input['logo-url'],
      logo_dark_url: input['logo-dark-url'],
      terms_url: input['terms-url'],
      privacy_url: input['privacy-url'],
    }),
    format: (b: Branding) => `branding updated\n${fields(b)}`,
  }),

  'users grants list': command({
    summary: 'List what a user granted apps',
    usage: 'users grants list --id USER_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: id() }),
    run: async ({ db, config }, input) => listUserGrants(db, config.ttl, input.id),
    format: (grants: UserGrant[]) => (grants.length
      ? table(grants.map((g) => ({
        client_id: g.clientId,
        app: g.applicationName,
        third_party: g.thirdParty,
        scopes: [...g.userScopes, ...g.resourceScopes.flatMap((r) => r.scopes.map((s) => `${r.resource}#${s}`))].join(' '),
        granted_at: g.grantedAt,
      })))
      : 'no grants'),
  }),

  'users grants revoke': command({
    summary: "Revoke a user's grant for an app: its refresh and access tokens stop working at once",
    usage: 'users grants revoke --id USER_ID --client-id CLIENT_ID',
    options: { id: { type: 'string' }, 'client-id': { type: 'string' } },
    input: z.object({ id: id(), 'client-id': id('--client-id') }),
    async run({ db }, input) {
      await revokeUserGrant(db, input.id, input['client-id'], { userAgent: 'sesame-cli' });
      return { user: input.id, revoked: input['client-id'] };
    },
    format: (r: { user: string; revoked: string }) => `revoked the grant of user ${r.user} for app ${r.revoked}`,
  }),

  'audit list': command({
    summary: 'List audit events, newest first',
    usage: `audit list [--type ${auditEventTypes.join('|')}] [--user-id U] [--client-id C] [--limit N] [--offset N]`,
    options: { type: { type: 'string' }, 'user-id': { type: 'string' }, 'client-id': { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    input: z.object({
      type: z.enum(auditEventTypes, { error: `--type must be one of ${auditEventTypes.join(', ')}` }).optional(),
      'user-id': z.string().optional(),
      'client-id': z.string().optional(),
      limit,
      offset,
    }),
    async run({ db }, input) {
      const { items, total } = await listAuditEvents(db, {
        type: input.type, userId: input['user-id'], clientId: input['client-id'], limit: input.limit, offset: input.offset ?? 0,
      });
      return { total, events: items };
    },
    format: (r: { total: number; events: Record<string, unknown>[] }) =>
      `${table(r.events.map(({ created_at, type, user_id, client_id, ip, details }) => ({ created_at, type, user_id, client_id, ip, details })))}\n(${r.events.length} of ${r.total})`,
  }),
} satisfies Record<string, Command<any>>;

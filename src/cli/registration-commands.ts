import { z } from 'zod';
import { approveApplication, denyApplication } from '../registration/dynamic-app.service.ts';
import { removeUnusedDynamicApps } from '../registration/dynamic-app-lifecycle.service.ts';
import { createRegistrationToken } from '../registration/registration-token.service.ts';
import { registrationModes } from '../registration/registration-modes.ts';
import { registrationPolicy, updateRegistrationPolicy, type RegistrationPolicy } from '../registration/registration-policy.service.ts';
import type { Application } from '../db/tables.ts';
import { userDataScopes } from '../permissions/permission.repository.ts';
import { command } from './command.ts';
import { oneOf, yesNo } from './options.ts';
import { fields } from './output.ts';

/**
 * CLI commands for apps that arrive by themselves (src/registration/): the admin's policy, and the decision on
 * each pending app. The output has the Management API's field names.
 */

const count = (flag: string) => z.coerce.number({ error: `${flag} must be a whole number` }).int({ error: `${flag} must be a whole number` });

const policyText = (p: RegistrationPolicy) => fields({
  ...p,
  allowed_domains: p.allowed_domains.join(', ') || '(any)',
  default_user_scopes: p.default_user_scopes.join(', ') || '(none)',
  default_resource_scopes: p.default_resource_scopes.map((r) => `${r.indicator}#${r.scope}`).join(', ') || '(none)',
});

/** INDICATOR#SCOPE, as `apps permissions set --resource-scope` takes it. */
function defaultResourceScope(value: string, i: number, ctx: z.RefinementCtx) {
  const at = value.lastIndexOf('#');
  if (at <= 0 || at === value.length - 1) {
    ctx.addIssue({ code: 'custom', message: `--default-resource-scope ${JSON.stringify(value)} must be INDICATOR#SCOPE, like https://mcp.example.com#mcp:tools`, path: [i] });
    return z.NEVER;
  }
  return { indicator: value.slice(0, at), scope: value.slice(at + 1) };
}

const decided = (app: Application) => ({ client_id: app.id, name: app.name, origin: app.origin, status: app.status });

export const registrationCommands = {
  'registration show': command({
    summary: 'Show the policy for apps that register themselves (DCR) or are named by a client ID metadata document (CIMD)',
    usage: 'registration show',
    options: {},
    input: z.object({}),
    run: async ({ db }) => registrationPolicy(db),
    format: policyText,
  }),

  'registration set': command({
    summary: 'Change that policy; flags left out keep their value, a repeatable flag given replaces its list '
      + '(--default-scope and --default-resource-scope: what a new dynamic app is allowed, of what it asks for)',
    usage: 'registration set [--dcr off|approval|open] [--cimd off|approval|open] [--allowed-domain D]… [--no-allowed-domains] '
      + '[--require-initial-access-token true|false] [--max-apps-per-ip N] [--max-dynamic-apps N] [--unused-app-days N] '
      + '[--default-scope profile|email|phone|address|roles]… [--default-resource-scope INDICATOR#SCOPE]… [--no-default-permissions]',
    options: {
      dcr: { type: 'string' }, cimd: { type: 'string' }, 'allowed-domain': { type: 'string', multiple: true },
      'no-allowed-domains': { type: 'boolean' }, 'require-initial-access-token': { type: 'string' },
      'max-apps-per-ip': { type: 'string' }, 'max-dynamic-apps': { type: 'string' }, 'unused-app-days': { type: 'string' },
      'default-scope': { type: 'string', multiple: true }, 'default-resource-scope': { type: 'string', multiple: true },
      'no-default-permissions': { type: 'boolean' },
    },
    input: z.object({
      dcr: oneOf('--dcr', registrationModes).optional(),
      cimd: oneOf('--cimd', registrationModes).optional(),
      'allowed-domain': z.array(z.string()).optional(),
      'no-allowed-domains': z.boolean().optional(),
      'require-initial-access-token': yesNo('--require-initial-access-token').optional(),
      'max-apps-per-ip': count('--max-apps-per-ip').optional(),
      'max-dynamic-apps': count('--max-dynamic-apps').optional(),
      'unused-app-days': count('--unused-app-days').optional(),
      'default-scope': z.array(z.enum(userDataScopes, { error: '--default-scope must be profile, email, phone, address or roles' })).optional(),
      'default-resource-scope': z.array(z.string()).optional().transform((values, ctx) => values?.map((v, i) => defaultResourceScope(v, i, ctx))),
      'no-default-permissions': z.boolean().optional(),
    }).refine((i) => !(i['no-allowed-domains'] && i['allowed-domain']?.length), {
      error: '--no-allowed-domains clears the list: give it or --allowed-domain, not both',
    }).refine((i) => !(i['no-default-permissions'] && (i['default-scope']?.length || i['default-resource-scope']?.length)), {
      error: '--no-default-permissions clears both lists: give it or --default-scope/--default-resource-scope, not both',
    }),
    run: async ({ db }, input) => updateRegistrationPolicy(db, {
      dcr: input.dcr,
      cimd: input.cimd,
      allowed_domains: input['no-allowed-domains'] ? [] : input['allowed-domain'],
      initial_access_token_required: input['require-initial-access-token'],
      max_apps_per_ip: input['max-apps-per-ip'],
      max_dynamic_apps: input['max-dynamic-apps'],
      unused_app_days: input['unused-app-days'],
      default_user_scopes: input['no-default-permissions'] ? [] : input['default-scope'],
      default_resource_scopes: input['no-default-permissions'] ? [] : input['default-resource-scope'],
    }, { by: 'cli' }),
    format: (p: RegistrationPolicy) => `updated the registration policy\n${policyText(p)}`,
  }),

  'registration token create': command({
    summary: 'Create an initial access token for dynamic registration (shown once), for when the policy requires one',
    usage: 'registration token create --name N [--expires-in-days N | --never-expires]',
    options: { name: { type: 'string' }, 'expires-in-days': { type: 'string' }, 'never-expires': { type: 'boolean' } },
    input: z.object({
      name: z.string({ error: '--name is required' }),
      'expires-in-days': count('--expires-in-days').optional(),
      'never-expires': z.boolean().optional(),
    }),
    run: async ({ db }, input) => createRegistrationToken(db, {
      name: input.name, expires_in_days: input['never-expires'] ? null : input['expires-in-days'],
    }, { by: 'cli' }),
    format: (t: { name: string; token: string; expires_at: Date | null }) => [
      `created initial access token ${t.name}${t.expires_at ? `, expires ${t.expires_at.toISOString()}` : ', never expires'}`,
      `token: ${t.token}`,
      '(shown only now; registrations send it as Authorization: Bearer <token>)',
    ].join('\n'),
  }),

  'registration sweep': command({
    summary: 'Remove now the apps that registered themselves and were unused for the policy\'s days (running servers do it every 10 minutes)',
    usage: 'registration sweep',
    options: {},
    input: z.object({}),
    run: async ({ db }) => ({ removed: await removeUnusedDynamicApps(db) }),
    format: (r: { removed: number }) => `removed ${r.removed} unused app${r.removed === 1 ? '' : 's'}`,
  }),

  'apps approve': command({
    summary: 'Approve an app that registered itself: people can sign in to it',
    usage: 'apps approve --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => decided(await approveApplication(db, input.id, { by: 'cli' })),
    format: (a: { client_id: string; name: string }) => `approved app ${a.name} (${a.client_id})`,
  }),

  'apps deny': command({
    summary: 'Deny an app that registered itself: people see that it is not allowed, and what it was issued ends',
    usage: 'apps deny --id CLIENT_ID',
    options: { id: { type: 'string' } },
    input: z.object({ id: z.string({ error: '--id is required' }) }),
    run: async ({ db }, input) => decided(await denyApplication(db, input.id, { by: 'cli' })),
    format: (a: { client_id: string; name: string }) => `denied app ${a.name} (${a.client_id})`,
  }),
};

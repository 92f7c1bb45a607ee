import { z } from 'zod';
import { recordAuditEvent, type RequestOrigin } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import type { UserDataScope } from '../db/tables.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { userDataScopes } from '../permissions/permission.repository.ts';
import { parseInput } from '../validation/parse-input.ts';
import { findRegistrationSettings, findResourceScopeIds, saveRegistrationSettings, type RegistrationSettingsRow } from './registration.repository.ts';
import { registrationModes, type DynamicOrigin, type RegistrationMode } from './registration-modes.ts';

/**
 * The admin's policy for apps that arrive by themselves (DESIGN.md §7, issue 14): for RFC 7591 dynamic registration
 * (`dcr`) and for client ID metadata documents (`cimd`) each, `off`, `approval` or `open`; a domain allowlist for
 * both; the caps and the lifecycle. Stored in the database (`registration_settings`), so every node and the CLI
 * apply the same policy; read fresh on each registration, which is rare.
 */
export interface RegistrationPolicy {
  dcr: RegistrationMode;
  cimd: RegistrationMode;
  /** A dynamic app's redirect URI hosts (DCR) or metadata URL's host (CIMD) must be one of these or under one; empty: any. */
  allowed_domains: string[];
  /** Dynamic registration needs an initial access token an admin created (RFC 7591 §3). */
  initial_access_token_required: boolean;
  /** Most dynamic apps registered from one address. */
  max_apps_per_ip: number;
  /** Most dynamic apps in all. */
  max_dynamic_apps: number;
  /** Dynamic apps nobody used for this many days are removed. */
  unused_app_days: number;
  /** User data scopes a new dynamic app is allowed (of those it asked for in `scope`, when it asked). */
  default_user_scopes: UserDataScope[];
  /** API resource scopes a new dynamic app is allowed (of those it asked for in `scope`, when it asked). */
  default_resource_scopes: DefaultResourceScope[];
  updated_at: Date | null;
}

export interface DefaultResourceScope { indicator: string; scope: string }

export const defaultRegistrationPolicy: RegistrationPolicy = {
  dcr: 'off',
  cimd: 'off',
  allowed_domains: [],
  initial_access_token_required: false,
  max_apps_per_ip: 20,
  max_dynamic_apps: 1000,
  unused_app_days: 30,
  default_user_scopes: [],
  default_resource_scopes: [],
  updated_at: null,
};

/** A domain as hosts are compared: lower case, IDNA (punycode), no trailing dot; undefined when it is not a host name. */
export function canonicalDomain(value: string): string | undefined {
  const trimmed = value.trim().toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  if (!trimmed || /[\s/:@?#[\]\\]/.test(trimmed)) return undefined;
  const host = URL.parse(`https://${trimmed}/`)?.hostname;
  return host && /^[a-z0-9.-]+$/.test(host) && !host.startsWith('.') && !host.includes('..') ? host : undefined;
}

const domain = z.string().max(253).meta({ title: 'Allowed domain' }).transform((value, ctx) => {
  const host = canonicalDomain(value);
  if (!host) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a domain name (write it like example.com)` });
  return host ?? value;
});

const mode = (title: string, what: string) => z.enum(registrationModes).meta({
  title,
  description: `${what}: \`off\` (refused), \`approval\` (the app exists, people see a page saying it awaits an administrator until one approves it), \`open\` (signs people in at once)`,
});

/** What an admin may change; fields left out keep their value, the allowlist given replaces the old one. */
export const registrationPolicyChangesSchema = z.strictObject({
  dcr: mode('Dynamic registration', 'Apps that register themselves (RFC 7591)').optional(),
  cimd: mode('Client ID metadata documents', 'Apps whose client ID is the https URL of their metadata document').optional(),
  allowed_domains: z.array(domain).max(100).meta({
    title: 'Allowed domains',
    description: 'A dynamic app\'s redirect URI hosts, or its metadata document\'s host, must be one of these domains or under one; empty allows any',
  }).optional(),
  initial_access_token_required: z.boolean().meta({
    title: 'Require an initial access token',
    description: 'Dynamic registration needs an initial access token created by an admin (`registration token create`)',
  }).optional(),
  max_apps_per_ip: z.number().int().min(1).max(100_000).meta({ title: 'Most dynamic apps per address' }).optional(),
  max_dynamic_apps: z.number().int().min(1).max(1_000_000).meta({ title: 'Most dynamic apps in all' }).optional(),
  unused_app_days: z.number().int().min(1).max(3650).meta({ title: 'Remove dynamic apps unused for (days)' }).optional(),
  default_user_scopes: z.array(z.enum(userDataScopes).meta({ title: 'User data scope' })).max(userDataScopes.length).meta({
    title: 'Default user data scopes',
    description: 'User data scopes a new dynamic app is allowed, of those it asks for when it registers with a `scope`',
  }).optional(),
  default_resource_scopes: z.array(z.strictObject({
    indicator: z.string().min(1).max(2048).meta({ title: 'API resource indicator' }),
    scope: z.string().min(1).max(256).meta({ title: 'Scope' }),
  }).meta({ title: 'API permission' })).max(100).meta({
    title: 'Default API permissions',
    description: 'API resource scopes a new dynamic app is allowed, of those it asks for when it registers with a `scope`; each must be a registered scope',
  }).optional(),
});
export type RegistrationPolicyChanges = z.input<typeof registrationPolicyChangesSchema>;

function fromRow(row: RegistrationSettingsRow | undefined): RegistrationPolicy {
  if (!row) return defaultRegistrationPolicy;
  const { id: _id, ...policy } = row;
  return {
    ...policy,
    allowed_domains: [...row.allowed_domains],
    default_user_scopes: [...row.default_user_scopes],
    default_resource_scopes: row.default_resource_scopes.map((s) => ({ ...s })),
  };
}

/** The policy now in force. */
export async function registrationPolicy(db: Db): Promise<RegistrationPolicy> {
  return fromRow(await findRegistrationSettings(db));
}

/** Changes the policy; recorded as `registration.policy_changed` with what changed. */
export async function updateRegistrationPolicy(
  db: Db,
  input: RegistrationPolicyChanges,
  actor: RequestOrigin & { userId?: string | null; by: 'admin' | 'cli' } = { by: 'cli' },
): Promise<RegistrationPolicy> {
  const changes = parseInput(registrationPolicyChangesSchema, input);
  const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as typeof changes;
  const { allowed_domains, default_user_scopes, default_resource_scopes, ...rest } = defined;
  if (default_resource_scopes) await assertRegisteredScopes(db, default_resource_scopes);
  const row = await db.transaction().execute(async (trx) => {
    const saved = await saveRegistrationSettings(trx, {
      ...rest,
      ...(allowed_domains ? { allowed_domains: JSON.stringify([...new Set(allowed_domains)]) } : {}),
      ...(default_user_scopes ? { default_user_scopes: JSON.stringify([...new Set(default_user_scopes)]) } : {}),
      ...(default_resource_scopes ? { default_resource_scopes: JSON.stringify(uniqueRefs(default_resource_scopes)) } : {}),
    });
    await recordAuditEvent(trx, {
      type: 'registration.policy_changed', userId: actor.userId ?? null, ip: actor.ip, userAgent: actor.userAgent,
      details: { by: actor.by, changes: defined },
    });
    return saved;
  });
  return fromRow(row);
}

const uniqueRefs = (refs: DefaultResourceScope[]) => [...new Map(refs.map((r) => [`${r.indicator} ${r.scope}`, r])).values()];

/** Default API permissions name registered scopes (the Management API's are never an app's to be given). */
async function assertRegisteredScopes(db: Db, refs: DefaultResourceScope[]): Promise<void> {
  const found = await findResourceScopeIds(db, refs);
  const problems = refs.map((ref, i) => ({ ref, i })).filter(({ ref }) => !found.has(`${ref.indicator} ${ref.scope}`))
    .map(({ ref, i }) => ({
      pointer: `/default_resource_scopes/${i}`,
      detail: `default API permission ${i + 1} names no registered scope: no API resource ${JSON.stringify(ref.indicator)} has a scope ${JSON.stringify(ref.scope)}`,
    }));
  assertThat(!problems.length, () => new ServiceError('permission.unknown_scope', problems.map((p) => p.detail).join(' '), 422, problems));
}

/** Whether `host` is `domain` or one of its subdomains. */
export function hostIsUnder(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === domain || h.endsWith(`.${domain}`);
}

export type DynamicAppDecision =
  | { admitted: true; status: 'pending' | 'approved' }
  | { admitted: false; reason: 'off' | 'domain'; detail: string };

/**
 * What the policy says of a new app of this origin whose hosts (its redirect URIs' for DCR, its metadata URL's for
 * CIMD) are these: refused (off, or a host off the allowlist), pending (approval) or approved (open). An app with a
 * redirect URI that has no host (a custom scheme) passes an allowlist only when there is none.
 */
export function decideNewDynamicApp(policy: RegistrationPolicy, origin: DynamicOrigin, hosts: readonly (string | undefined)[]): DynamicAppDecision {
  const mode = policy[origin];
  const kind = origin === 'dcr' ? 'dynamic registration' : 'client ID metadata documents';
  if (mode === 'off') return { admitted: false, reason: 'off', detail: `this server does not accept ${kind}` };
  const outside = domainRefusal(policy, hosts);
  if (outside) return { admitted: false, reason: 'domain', detail: outside };
  return { admitted: true, status: mode === 'open' ? 'approved' : 'pending' };
}

/** Why these hosts break the domain allowlist, or undefined when they keep it (or there is none). */
export function domainRefusal(policy: RegistrationPolicy, hosts: readonly (string | undefined)[]): string | undefined {
  if (!policy.allowed_domains.length) return undefined;
  const outside = hosts.findIndex((host) => !host || !policy.allowed_domains.some((d) => hostIsUnder(host, d)));
  if (outside === -1 && hosts.length) return undefined;
  const host = hosts[outside];
  return `${host ? `the host ${host}` : 'an app without a host name'} is not on this server's list of allowed domains`;
}

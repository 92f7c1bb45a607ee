import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { recordAuditEvent, type RequestOrigin } from '../audit/audit.repository.ts';
import { isDynamicOrigin, type AppType } from '../apps/app-types.ts';
import { getApplication, maxSecretsPerApp } from '../apps/app.service.ts';
import { deleteSecretRow, insertSecret, listSecretRows } from '../apps/app.repository.ts';
import { newId } from '../ids.ts';
import { brandingUrlProblem } from '../apps/branding.service.ts';
import { canonicalUris, redirectUriProblem } from '../apps/redirect-uri.ts';
import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { assertThat, ServiceError } from '../errors.ts';
import {
  countDynamicApps, findDynamicAppByFingerprint, findResourceScopeIds, insertDynamicApplication, lockRegistrationSettings,
} from './registration.repository.ts';
import { insertAllowlistEntries } from '../permissions/permission.repository.ts';
import { decideNewDynamicApp, domainRefusal, registrationPolicy, type RegistrationPolicy } from './registration-policy.service.ts';
import type { DynamicOrigin } from './registration-modes.ts';

/**
 * Apps that arrive by themselves (DESIGN.md §7): by RFC 7591 dynamic registration (`dcr`) or named by a client ID
 * metadata document (`cimd`). They are always third-party (consent, allowlists) and never hold management access;
 * their status follows the admin's policy (src/registration/registration-policy.service.ts), and only an approved one
 * signs anyone in (src/oidc/unapproved-app.ts shows the others a page instead).
 */

/** The registered client metadata Sesame keeps of a dynamic app (RFC 7591 §2 names). */
export interface DynamicClientMetadata {
  client_name?: unknown;
  redirect_uris?: unknown;
  post_logout_redirect_uris?: unknown;
  application_type?: unknown;
  token_endpoint_auth_method?: unknown;
  logo_uri?: unknown;
  tos_uri?: unknown;
  policy_uri?: unknown;
  software_id?: unknown;
  [key: string]: unknown;
}

export type DynamicAppRefusal = { admitted: false; reason: 'off' | 'domain' | 'cap' | 'invalid_metadata' | 'conflict'; detail: string };
export type DynamicAppAdmission = { admitted: true; application: Application; created: boolean } | DynamicAppRefusal;

/** What an app that registered itself may use: it acts for people, never for itself. */
const dynamicGrantTypes = new Set(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * Sesame's type for registered metadata (DESIGN.md §3): a client that authenticates with a secret is a confidential
 * web app (`traditional`); one that does not (`none`) is a public `native` app when it says so, else a `spa`. Both
 * public kinds need PKCE S256.
 */
export function dynamicAppType(metadata: DynamicClientMetadata): AppType {
  if (metadata.token_endpoint_auth_method !== 'none') return 'traditional';
  return metadata.application_type === 'native' ? 'native' : 'spa';
}

/** A branding URL from the registrant, kept only when it passes the rules an admin's would. */
const brandingUrl = (value: unknown, kind: 'link' | 'image' = 'link') => {
  const url = text(value);
  return url && !brandingUrlProblem(url, kind) ? url : null;
};

/**
 * The applications row for registered metadata, or why it cannot be one. The redirect URIs pass the rules an admin's
 * would (src/apps/redirect-uri.ts). Its name is the registered `client_name` without invisible characters, else
 * the `fallbackName` (the metadata URL's host, say).
 */
export function dynamicAppFields(metadata: DynamicClientMetadata, fallbackName: string) {
  const type = dynamicAppType(metadata);
  const redirectUris = strings(metadata.redirect_uris);
  const postLogout = strings(metadata.post_logout_redirect_uris);
  const problems = [
    ...(redirectUris.length ? [] : ['an app that signs people in needs at least one redirect URI']),
    ...strings(metadata.grant_types).filter((grant) => !dynamicGrantTypes.has(grant))
      .map((grant) => `the grant type ${grant} is not for apps that register themselves: they act for the people who sign in (an admin creates machine-to-machine apps)`),
    ...redirectUris.map((uri) => redirectUriProblem(uri, type)),
    ...postLogout.map((uri) => redirectUriProblem(uri, type, 'post-logout redirect')),
  ].filter((p) => p !== undefined);
  const name = (text(metadata.client_name)?.replace(/[\p{C}]/gu, '').trim() || fallbackName).slice(0, 256);
  return {
    problems,
    fields: {
      name,
      type,
      third_party: true,
      management_access: false,
      redirect_uris: JSON.stringify(canonicalUris(redirectUris)),
      post_logout_redirect_uris: JSON.stringify(canonicalUris(postLogout)),
      cors_origins: '[]',
      display_name: name,
      logo_url: brandingUrl(metadata.logo_uri, 'image'),
      terms_url: brandingUrl(metadata.tos_uri),
      privacy_url: brandingUrl(metadata.policy_uri),
      software_id: text(metadata.software_id)?.slice(0, 256) ?? null,
    },
  };
}

/** Fields a registrant sends that say nothing about which app it is (times, tokens, its secret). */
const volatileFields = new Set([
  'client_id_issued_at', 'client_secret', 'client_secret_expires_at', 'registration_access_token', 'registration_client_uri',
]);

/** SHA-256 of the metadata, keys sorted, volatile fields left out: equal for a client that registers again alike. */
export function metadataFingerprint(metadata: DynamicClientMetadata): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key]) => !volatileFields.has(key) && key !== 'client_id'));
  return createHash('sha256').update(JSON.stringify(canonical(kept))).digest('base64url');
}

/** Whether a new dynamic app from `ip` would pass the caps on dynamic apps, per address and in all. */
async function capRefusal(db: Db, policy: RegistrationPolicy, ip: string | null): Promise<DynamicAppRefusal | undefined> {
  const { total, fromIp } = await countDynamicApps(db, ip);
  if (total >= policy.max_dynamic_apps) return { admitted: false, reason: 'cap', detail: 'this server holds as many self-registered apps as it accepts' };
  if (ip && fromIp >= policy.max_apps_per_ip) return { admitted: false, reason: 'cap', detail: 'too many apps were registered from this address' };
  return undefined;
}

export interface NewDynamicApp {
  origin: DynamicOrigin;
  /** The client ID: for CIMD the metadata document's URL; for DCR one Sesame made. */
  clientId: string;
  metadata: DynamicClientMetadata;
  /** The hosts the allowlist is checked against. */
  hosts: readonly (string | undefined)[];
  fallbackName: string;
  ip: string | null;
  userAgent?: string | null;
  /** The `scope` it registered or published, as sent: narrows the policy's default permissions to what it asks. */
  requestedScope?: unknown;
}

/**
 * The policy's default permissions (issue 14) on a new dynamic app's allowlist: of those it asked for in `scope`,
 * when it asked; scopes it named that the defaults do not hold are ignored, as are defaults whose API is gone.
 */
async function allowDefaultPermissions(trx: Db, policy: RegistrationPolicy, applicationId: string, requestedScope: unknown): Promise<string[]> {
  const asked = typeof requestedScope === 'string' && requestedScope.trim() ? new Set(requestedScope.split(' ').filter(Boolean)) : undefined;
  const wanted = (scope: string) => !asked || asked.has(scope);
  const userScopes = policy.default_user_scopes.filter(wanted);
  const refs = policy.default_resource_scopes.filter((r) => wanted(r.scope));
  const ids = await findResourceScopeIds(trx, refs);
  await insertAllowlistEntries(trx, applicationId, userScopes, [...ids.values()]);
  return [...userScopes, ...[...ids.keys()]];
}

/**
 * Admits a new dynamic app: the policy (mode and allowlist), the caps, the metadata rules; then the app is stored,
 * pending or approved, and recorded as `app.registered`. One registration at a time checks the caps and inserts
 * (the policy row is locked), so concurrent ones cannot all slip under a cap. `beforeInsert` runs in the same
 * transaction once the app is admitted (DCR stores the client secret there).
 */
export async function admitDynamicApp(
  db: Db,
  app: NewDynamicApp,
  beforeInsert?: (trx: Db, application: Application) => Promise<void>,
): Promise<DynamicAppAdmission> {
  return db.transaction().execute(async (trx): Promise<DynamicAppAdmission> => {
    await lockRegistrationSettings(trx);
    const policy = await registrationPolicy(trx);
    const decision = decideNewDynamicApp(policy, app.origin, app.hosts);
    if (!decision.admitted) return decision;
    const { problems, fields } = dynamicAppFields(app.metadata, app.fallbackName);
    if (problems.length) return { admitted: false, reason: 'invalid_metadata', detail: problems.join('; ') };
    const refusal = await capRefusal(trx, policy, app.ip);
    if (refusal) return refusal;
    const application = await insertDynamicApplication(trx, {
      id: app.clientId,
      ...fields,
      origin: app.origin,
      status: decision.status,
      registered_ip: app.ip,
      metadata_fingerprint: metadataFingerprint(app.metadata),
      last_used_at: sql<Date>`now()` as never,
    });
    await beforeInsert?.(trx, application);
    const permissions = await allowDefaultPermissions(trx, policy, application.id, app.requestedScope);
    await recordAuditEvent(trx, {
      type: 'app.registered', clientId: application.id, ip: app.ip, userAgent: app.userAgent,
      details: { origin: app.origin, status: decision.status, name: application.name, ...(permissions.length ? { permissions } : {}) },
    });
    return { admitted: true, application, created: true };
  });
}

/**
 * For the client ID metadata document loader (h/cimd): the app a metadata document names, made on first sight.
 * `clientId` is the document's https URL and `metadata` the document as fetched and validated. A known app is
 * returned as it is (its status is the admin's decision); an unknown one is admitted by the CIMD policy, its host
 * checked against the allowlist, and stored pending or approved. Never throws for a refusal: the caller turns
 * `{ admitted: false, detail }` into invalid_client.
 *
 *   const admission = await admitCimdApp(db, { clientId, metadata, ip });
 *   if (!admission.admitted) throw new errors.InvalidClient(admission.detail);
 *   admission.application.status // 'pending' | 'approved' | 'denied'
 */
export async function admitCimdApp(
  db: Db,
  { clientId, metadata, ip, userAgent, requestedScope }: {
    clientId: string; metadata: DynamicClientMetadata; ip: string | null; userAgent?: string | null; requestedScope?: unknown;
  },
): Promise<DynamicAppAdmission> {
  const existing = await db.selectFrom('applications').selectAll().where('id', '=', clientId).executeTakeFirst();
  if (existing) {
    return existing.origin === 'cimd'
      ? { admitted: true, application: existing, created: false }
      : { admitted: false, reason: 'conflict', detail: 'this client ID belongs to another app' };
  }
  const host = URL.parse(clientId)?.hostname;
  return admitDynamicApp(db, {
    origin: 'cimd', clientId, metadata, hosts: [host], fallbackName: host ?? clientId, ip, userAgent, requestedScope,
  });
}

/** A dynamic app registered earlier with the same metadata, from the same address or by the same software. */
export async function findSameDynamicApp(
  db: Db,
  origin: DynamicOrigin,
  metadata: DynamicClientMetadata,
  ip: string | null,
): Promise<Application | undefined> {
  return findDynamicAppByFingerprint(db, origin, metadataFingerprint(metadata), { ip, softwareId: text(metadata.software_id) ?? null });
}

export interface AppDecisionActor extends RequestOrigin {
  /** The admin who decided, when a person did (the Management API); null from the CLI. */
  userId?: string | null;
  by: 'admin' | 'cli';
}

async function dynamicApplication(db: Db, id: string): Promise<Application> {
  const application = await getApplication(db, id);
  assertThat(isDynamicOrigin(application.origin), () => new ServiceError(
    'application.not_dynamic',
    'only apps that registered themselves are approved or denied; an app an admin created is approved already (delete it to remove it)',
    422,
  ));
  return application;
}

/** Lets a pending (or denied) dynamic app sign people in; recorded as `app.approved`. */
export async function approveApplication(db: Db, id: string, actor: AppDecisionActor): Promise<Application> {
  return decideApplication(db, id, 'approved', actor);
}

/**
 * Refuses a dynamic app: people who try it see a page saying so, and whatever it was issued (grants, tokens,
 * codes) ends at once; its registration access token stays, so it can still read or delete its registration.
 * Recorded as `app.denied`.
 */
export async function denyApplication(db: Db, id: string, actor: AppDecisionActor): Promise<Application> {
  return decideApplication(db, id, 'denied', actor);
}

async function decideApplication(db: Db, id: string, status: 'approved' | 'denied', actor: AppDecisionActor): Promise<Application> {
  const current = await dynamicApplication(db, id);
  return db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('applications').set({ status, updated_at: sql`now()` })
      .where('id', '=', id).returningAll().executeTakeFirst();
    assertThat(updated, () => new ServiceError('application.not_found', `no application with client id ${JSON.stringify(id)}`, 404));
    if (status === 'denied') {
      await trx.deleteFrom('oidc_models').where('client_id', '=', id).where('model', '<>', 'RegistrationAccessToken').execute();
    }
    await recordAuditEvent(trx, {
      type: status === 'approved' ? 'app.approved' : 'app.denied', clientId: id, userId: actor.userId ?? null,
      ip: actor.ip, userAgent: actor.userAgent, details: { by: actor.by, origin: current.origin, previous_status: current.status },
    });
    return updated;
  });
}

/** The hosts of redirect URIs, as the allowlist reads them (undefined for a custom scheme, which has none). */
export function redirectHosts(metadata: DynamicClientMetadata): (string | undefined)[] {
  return strings(metadata.redirect_uris).map((uri) => {
    const url = URL.parse(uri);
    return url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.hostname : undefined;
  });
}

/**
 * A client registered again with the metadata of an app it registered before: the app is its entry again. A
 * confidential one gets the newly made secret as one more of the app's secrets (its older copies keep theirs);
 * past the most an app holds, the oldest registered one goes.
 */
export async function registerAgain(db: Db, app: Application, clientSecret: string | undefined): Promise<void> {
  if (!clientSecret || app.type !== 'traditional') return;
  await db.transaction().execute(async (trx) => {
    const secrets = await listSecretRows(trx, app.id);
    const excess = secrets.length - (maxSecretsPerApp - 1);
    // Newest first: the oldest are at the end.
    for (const old of excess > 0 ? secrets.slice(-excess) : []) await deleteSecretRow(trx, app.id, old.id);
    await insertSecret(trx, { id: newId('sec_'), applicationId: app.id, name: 'Registered again', value: clientSecret, expiresAt: null });
  });
}

export type DynamicAppUpdate = { updated: true; application: Application } | DynamicAppRefusal;

/**
 * RFC 7592 update of a registered app by the client itself: its name, redirect URIs and branding follow the
 * metadata, under the same rules as at registration and the allowlist now in force. Its type cannot change (a public
 * client does not become confidential). In approval mode, new redirect URIs send an approved app back to pending:
 * the admin approved where it sends people.
 */
export async function updateRegisteredApp(db: Db, id: string, metadata: DynamicClientMetadata): Promise<DynamicAppUpdate> {
  const current = await getApplication(db, id);
  if (current.origin !== 'dcr') return { admitted: false, reason: 'conflict', detail: 'only a client that registered itself manages its registration' };
  const policy = await registrationPolicy(db);
  const outside = domainRefusal(policy, redirectHosts(metadata));
  if (outside) return { admitted: false, reason: 'domain', detail: outside };
  const { problems, fields } = dynamicAppFields(metadata, current.name);
  if (fields.type !== current.type) problems.push(`a registered ${current.type} client stays one: register a new client to change token_endpoint_auth_method or application_type`);
  if (problems.length) return { admitted: false, reason: 'invalid_metadata', detail: problems.join('; ') };
  const { type: _type, ...changes } = fields;
  const movedRedirects = changes.redirect_uris !== JSON.stringify(current.redirect_uris);
  const status = movedRedirects && current.status === 'approved' && policy.dcr === 'approval' ? 'pending' : current.status;
  const updated = await db.updateTable('applications')
    .set({ ...changes, status, metadata_fingerprint: metadataFingerprint(metadata), updated_at: sql`now()` })
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  return { updated: true, application: updated };
}

/**
 * Removes a dynamic app and everything issued to it; recorded as `app.removed` with why. The row is claimed with
 * FOR UPDATE SKIP LOCKED (another node removing it passes over it), and for `unused` only while it still is.
 */
export async function removeDynamicApp(
  db: Db,
  id: string,
  reason: 'deleted_by_client' | 'unused',
  origin: RequestOrigin = {},
  unusedDays?: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    let claim = trx.selectFrom('applications').select(['id', 'name', 'origin', 'last_used_at'])
      .where('id', '=', id).where('origin', '<>', 'admin');
    if (unusedDays !== undefined) claim = claim.where(sql<boolean>`coalesce(last_used_at, created_at) < now() - make_interval(days => ${unusedDays})`);
    const app = await claim.forUpdate().skipLocked().executeTakeFirst();
    if (!app) return false;
    await trx.deleteFrom('oidc_models').where('client_id', '=', id).execute();
    await trx.deleteFrom('applications').where('id', '=', id).execute();
    await recordAuditEvent(trx, {
      type: 'app.removed', clientId: id, ip: origin.ip, userAgent: origin.userAgent,
      details: { reason, origin: app.origin, name: app.name, last_used_at: app.last_used_at?.toISOString() ?? null },
    });
    return true;
  });
}

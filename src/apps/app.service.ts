import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Application, ApplicationSecret, ApplicationUpdate } from '../db/tables.ts';
import { assertThat, ServiceError, type FieldError } from '../errors.ts';
import { newClientId, newId } from '../ids.ts';
import type { PageRequest } from '../pagination.ts';
import { isConfidential, isDynamicOrigin, mayBeThirdParty, mayUseDeviceFlow, type AppOrigin } from './app-types.ts';
import {
  applicationChangesSchema, fixedApplicationFields, newApplicationSchema, secretName, type ApplicationChanges, type NewApplicationInput,
} from './app.schema.ts';
import { assertNotBuiltIn } from './built-in.ts';
import {
  deleteApplicationRow, deleteSecretRow, findApplication, insertApplication, insertSecret, listSecretRows,
  queryApplications, updateApplicationRow, type ApplicationFilter,
} from './app.repository.ts';
import { backchannelLogoutUriProblem, canonicalUris, corsOriginProblem, redirectUriProblem } from './redirect-uri.ts';
import { allowedResourceScopes, findResourceByIndicator } from '../permissions/permission.repository.ts';
import { fieldLabel } from '../validation/field-label.ts';
import { parseInput, sentence } from '../validation/parse-input.ts';

export interface CreatedApplication {
  application: Application;
  /** Shown once: only its hash is kept. */
  clientSecret?: string;
}

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

const notFound = (id: string) => new ServiceError('application.not_found', `no application with client id ${JSON.stringify(id)}`, 404);

/** The settings the rules below look at. */
type AppShape = Pick<Application, 'type' | 'third_party' | 'redirect_uris' | 'post_logout_redirect_uris' | 'cors_origins' | 'management_access'>
  & { backchannel_logout_uri?: string | null; device_flow?: boolean; origin?: AppOrigin; verified_domain?: string | null };

/** Settings as the table stores them: lists in JSON columns. */
function toColumns<T extends object>(settings: T): { [K in keyof T]: Exclude<T[K], undefined> extends readonly unknown[] ? string : T[K] } {
  return Object.fromEntries(Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => [key, Array.isArray(value) ? JSON.stringify(value) : value])) as never;
}

/** Every rule an app's settings break, each in a sentence naming the field (as the console labels it), the value and the rule. */
function applicationProblems(app: AppShape): FieldError[] {
  const problems: (FieldError | undefined)[] = [
    app.third_party && !mayBeThirdParty(app.type)
      ? at('/third_party', 'a machine-to-machine app cannot be a third-party app') : undefined,
    app.third_party && app.management_access
      ? at('/management_access', 'a third-party app cannot be granted Management API access') : undefined,
    // DESIGN.md §7: whatever its flags say, an app that arrived by itself never manages Sesame.
    app.origin && isDynamicOrigin(app.origin) && app.management_access
      ? at('/management_access', 'an app that registered itself cannot be granted Management API access') : undefined,
    app.type === 'm2m' && app.redirect_uris.length
      ? at('/redirect_uris', 'a machine-to-machine app has no redirect URIs: leave Redirect URIs empty') : undefined,
    app.type === 'm2m' && app.post_logout_redirect_uris.length
      ? at('/post_logout_redirect_uris', 'a machine-to-machine app signs no one out: leave Post sign-out redirect URIs empty') : undefined,
    app.device_flow && !mayUseDeviceFlow(app.type)
      ? at('/device_flow', `a ${app.type === 'spa' ? 'single-page app has a browser to sign in with' : 'machine-to-machine app signs no one in'}: only native and traditional web apps may use the device flow`) : undefined,
    ...app.redirect_uris.map((uri, i) => at(`/redirect_uris/${i}`, redirectUriProblem(uri, app.type))),
    ...app.post_logout_redirect_uris.map((uri, i) => at(`/post_logout_redirect_uris/${i}`, redirectUriProblem(uri, app.type, 'post-logout redirect'))),
    ...app.cors_origins.map((origin, i) => at(`/cors_origins/${i}`, corsOriginProblem(origin))),
    app.type === 'm2m' && app.backchannel_logout_uri
      ? at('/backchannel_logout_uri', 'a machine-to-machine app signs no one in, so it has no sessions to be signed out of: leave Back-channel logout URI empty')
      : at('/backchannel_logout_uri', app.backchannel_logout_uri ? backchannelLogoutUriProblem(app.backchannel_logout_uri) : undefined),
    app.verified_domain && !app.third_party
      ? at('/verified_domain', 'a first-party app shows no consent screen, so it has no Verified badge: leave Verified domain empty') : undefined,
  ];
  return problems.filter((p) => p !== undefined);
}

/** A rule's words as the sentence shown at the field (the URI rules start with what they are about: `redirect URI "…"`). */
function at(pointer: string, problem: string | undefined): FieldError | undefined {
  return problem === undefined ? undefined : { pointer, detail: sentence('', problem) };
}

function assertValid(app: AppShape): void {
  const problems = applicationProblems(app);
  assertThat(!problems.length, () => new ServiceError('application.invalid', problems.map((p) => p.detail).join(' '), 422, problems));
}

type UriLists = Partial<Pick<Application, 'redirect_uris' | 'post_logout_redirect_uris' | 'cors_origins'>>;

/**
 * The lists as they are kept, once their entries passed the rules (whose messages name them where written): each
 * URI once, redirect URIs in the canonical form they are compared in (apps/redirect-uri.ts). An origin that
 * passed is already written as its URL parser reads it.
 */
function storedLists<T extends UriLists>(settings: T): T {
  const { redirect_uris, post_logout_redirect_uris, cors_origins } = settings;
  return {
    ...settings,
    ...(redirect_uris ? { redirect_uris: canonicalUris(redirect_uris) } : {}),
    ...(post_logout_redirect_uris ? { post_logout_redirect_uris: canonicalUris(post_logout_redirect_uris) } : {}),
    ...(cors_origins ? { cors_origins: [...new Set(cors_origins)] } : {}),
  };
}

/** An empty back-channel logout URI, default resource or verified domain is none. */
function withoutEmptyLogoutUri<T extends { backchannel_logout_uri?: string | null; default_resource?: string | null; verified_domain?: string | null }>(settings: T): T {
  return {
    ...settings,
    ...(settings.backchannel_logout_uri?.trim() === '' ? { backchannel_logout_uri: null } : {}),
    ...(settings.default_resource?.trim() === '' ? { default_resource: null } : {}),
    ...(settings.verified_domain === '' ? { verified_domain: null } : {}),
  };
}

/**
 * A default resource must be one the app may use: a registered API resource, and for a third-party or m2m app one
 * with a scope on its allowlist (a first-party app's users get what their roles give, as for any resource).
 */
async function assertUsableDefaultResource(db: Db, app: { id?: string; type: Application['type']; third_party: boolean; default_resource?: string | null }): Promise<void> {
  const indicator = app.default_resource;
  if (!indicator) return;
  const label = fieldLabel(applicationChangesSchema, ['default_resource']);
  const refuse = (problem: string) => {
    const detail = sentence(label, problem);
    return new ServiceError('application.invalid', detail, 422, [{ pointer: '/default_resource', detail }]);
  };
  assertThat(await findResourceByIndicator(db, indicator), () => refuse(
    `${JSON.stringify(indicator)} is no registered API resource: register it under API resources first, or pick one of those`,
  ));
  if (!app.third_party && app.type !== 'm2m') return;
  const allowed = app.id ? await allowedResourceScopes(db, app.id, indicator) : [];
  assertThat(allowed.length > 0, () => refuse(
    `${JSON.stringify(indicator)} is not one this app may use: allow at least one of its scopes in the app's Permissions first`,
  ));
}

export async function createApplication(db: Db, input: NewApplicationInput): Promise<CreatedApplication> {
  const data = withoutEmptyLogoutUri(parseInput(newApplicationSchema, input));
  assertValid(data);
  await assertUsableDefaultResource(db, data);
  const stored = storedLists(data);

  return db.transaction().execute(async (trx) => {
    const application = await insertApplication(trx, { id: newClientId(), ...toColumns(stored), description: data.description ?? null });
    if (!isConfidential(data.type)) return { application };
    const clientSecret = generateClientSecret();
    await insertSecret(trx, { id: newId('sec_'), applicationId: application.id, name: 'Default', value: clientSecret, expiresAt: null });
    return { application, clientSecret };
  });
}

export async function getApplication(db: Db, id: string): Promise<Application> {
  const application = await findApplication(db, id);
  assertThat(application, () => notFound(id));
  return application;
}

export interface ApplicationPage {
  applications: Application[];
  total: number;
  /** Passed as `cursor` to get the next page; absent on the last page. */
  nextCursor: string | undefined;
}

/** Applications newest first, filtered, one page at a time (by offset or by the cursor of the previous page). */
export async function listApplications(db: Db, filter: ApplicationFilter, page: PageRequest): Promise<ApplicationPage> {
  const { rows, total, nextCursor } = await queryApplications(db, filter, page);
  return { applications: rows, total, nextCursor };
}

/** Changes an app's settings. Takes effect on every node at once: clients are read from the database per request. */
export async function updateApplication(db: Db, id: string, input: ApplicationChanges): Promise<Application> {
  const changes = withoutEmptyLogoutUri(parseInput(applicationChangesSchema, input));
  assertNotBuiltIn(id);
  const current = await getApplication(db, id);
  const fixed: FieldError[] = fixedApplicationFields
    .filter((field) => changes[field] !== undefined && changes[field] !== current[field])
    .map((field) => ({ pointer: `/${field}`, detail: sentence(fieldLabel(applicationChangesSchema, [field]), field === 'type'
      ? `is chosen at creation and never changes (this app is ${current.type})`
      : `is chosen at creation and never changes (this app is ${current.third_party ? '' : 'not '}one)`) }));
  assertThat(!fixed.length, () => new ServiceError('application.immutable', fixed.map((p) => p.detail).join(' '), 422, fixed));

  const { type: _type, third_party: _thirdParty, ...settings } = changes;
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as typeof settings;
  assertValid({ ...current, ...defined });
  if (defined.default_resource) await assertUsableDefaultResource(db, { ...current, default_resource: defined.default_resource });

  const update: ApplicationUpdate = {
    ...toColumns(storedLists(defined)),
    ...(defined.description !== undefined ? { description: defined.description || null } : {}),
  };
  const updated = await updateApplicationRow(db, id, update);
  assertThat(updated, () => notFound(id));
  return updated;
}

/** Deletes an app with its secrets and everything issued to it (grants, tokens, codes). */
export async function deleteApplication(db: Db, id: string): Promise<void> {
  assertNotBuiltIn(id);
  assertThat(await deleteApplicationRow(db, id), () => notFound(id));
}

// ---- client secrets ----

export const newSecretSchema = z.object({
  name: secretName,
  expiresAt: z.date().nullable().optional().meta({ title: 'Expiry date' }),
});
export type NewSecretInput = z.input<typeof newSecretSchema>;

/** An app holds at most this many secrets: enough for any rotation, few enough to audit. */
export const maxSecretsPerApp = 20;

export interface CreatedSecret {
  secret: ApplicationSecret;
  /** Shown once: only its hash is kept. */
  value: string;
}

async function confidentialApplication(db: Db, id: string): Promise<Application> {
  assertNotBuiltIn(id);
  const application = await getApplication(db, id);
  assertThat(isConfidential(application.type), () => new ServiceError(
    'application.public_client',
    `a ${application.type} app is a public client and has no client secrets`,
    422,
  ));
  return application;
}

/** Adds a named secret to a confidential app; the old ones stay valid, so rotation needs no downtime. */
export async function createSecret(db: Db, applicationId: string, input: NewSecretInput): Promise<CreatedSecret> {
  const data = parseInput(newSecretSchema, input);
  await confidentialApplication(db, applicationId);
  const expiry = sentence(fieldLabel(newSecretSchema, ['expiresAt']), 'must be in the future');
  assertThat(!data.expiresAt || data.expiresAt.getTime() > Date.now(), () => new ServiceError(
    'secret.expiry_in_past', expiry, 422, [{ pointer: '/expires_at', detail: expiry }],
  ));
  const existing = await listSecretRows(db, applicationId);
  assertThat(existing.length < maxSecretsPerApp, () => new ServiceError(
    'secret.limit_reached', `an app holds at most ${maxSecretsPerApp} secrets; delete an old one first`, 409,
  ));
  const value = generateClientSecret();
  const secret = await insertSecret(db, { id: newId('sec_'), applicationId, name: data.name, value, expiresAt: data.expiresAt ?? null });
  return { secret, value };
}

/** The app's secrets without their values (only a hash and the last characters are kept). */
export async function listSecrets(db: Db, applicationId: string): Promise<ApplicationSecret[]> {
  await confidentialApplication(db, applicationId);
  return listSecretRows(db, applicationId);
}

export async function deleteSecret(db: Db, applicationId: string, secretId: string): Promise<void> {
  assertNotBuiltIn(applicationId);
  await getApplication(db, applicationId);
  assertThat(await deleteSecretRow(db, applicationId, secretId), () => new ServiceError(
    'secret.not_found', `application ${applicationId} has no secret ${JSON.stringify(secretId)}`, 404,
  ));
}

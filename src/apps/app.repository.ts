import { hash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { pageNewestFirst, type Page } from '../db/paging.ts';
import { builtInAppIds } from './built-in.ts';
import { likePattern, type PageRequest } from '../pagination.ts';
import type { Application, ApplicationSecret, ApplicationUpdate, AppStatus, AppType, Database, NewApplication } from '../db/tables.ts';

export function hashClientSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export async function findApplication(db: Db, id: string): Promise<Application | undefined> {
  return db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertApplication(db: Db, app: NewApplication): Promise<Application> {
  return db.insertInto('applications').values(app).returningAll().executeTakeFirstOrThrow();
}

export async function insertSecret(
  db: Db,
  secret: { id: string; applicationId: string; name: string; value: string; expiresAt: Date | null },
): Promise<ApplicationSecret> {
  return db.insertInto('application_secrets').values({
    id: secret.id,
    application_id: secret.applicationId,
    name: secret.name,
    secret_hash: hashClientSecret(secret.value),
    last_chars: secret.value.slice(-4),
    expires_at: secret.expiresAt,
    created_at: sql`now()`,
  }).returningAll().executeTakeFirstOrThrow();
}

export interface ApplicationFilter {
  thirdParty?: boolean;
  type?: AppType;
  status?: AppStatus;
  /** Apps that registered themselves (true), or that an admin created (false). */
  dynamic?: boolean;
  /** Matched case-insensitively against name, description and client id. */
  search?: string;
}

function filteredApplications(db: Db, filter: ApplicationFilter) {
  let query = db.selectFrom('applications').where('id', 'not in', builtInAppIds);
  if (filter.thirdParty !== undefined) query = query.where('third_party', '=', filter.thirdParty);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.dynamic !== undefined) query = query.where('origin', filter.dynamic ? '<>' : '=', 'admin');
  if (filter.search) {
    const pattern = likePattern(filter.search);
    query = query.where((eb) => eb.or([
      eb('name', 'ilike', pattern),
      eb('description', 'ilike', pattern),
      eb('id', 'ilike', pattern),
    ]));
  }
  return query;
}

/** One page, newest first, and how many match in all. */
export function queryApplications(
  db: Db,
  filter: ApplicationFilter,
  page: PageRequest,
): Promise<Page<Application>> {
  return pageNewestFirst<Database, 'applications', Application>(() => filteredApplications(db, filter), page);
}

export async function updateApplicationRow(db: Db, id: string, changes: ApplicationUpdate): Promise<Application | undefined> {
  return db.updateTable('applications').set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id).returningAll().executeTakeFirst();
}

/** Deletes an application, its secrets (by cascade) and every grant, token and code issued to it. */
export async function deleteApplicationRow(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oidc_models').where('client_id', '=', id).execute();
    const deleted = await trx.deleteFrom('applications').where('id', '=', id).executeTakeFirst();
    return deleted.numDeletedRows > 0n;
  });
}

export async function listSecretRows(db: Db, applicationId: string): Promise<ApplicationSecret[]> {
  return db.selectFrom('application_secrets').selectAll()
    .where('application_id', '=', applicationId)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export async function deleteSecretRow(db: Db, applicationId: string, secretId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('application_secrets')
    .where('application_id', '=', applicationId).where('id', '=', secretId).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/**
 * Creates one of Sesame's built-in apps, or restores what it must be: its type, first-party flag, management
 * access and URIs (which follow the issuer). Run at every start.
 */
export async function upsertBuiltInApplication(
  db: Db,
  app: { id: string; name: string; description: string; type: AppType; managementAccess: boolean; redirectUris: string[]; postLogoutRedirectUris: string[] },
): Promise<void> {
  const settings = {
    type: app.type,
    third_party: false,
    management_access: app.managementAccess,
    redirect_uris: JSON.stringify(app.redirectUris),
    post_logout_redirect_uris: JSON.stringify(app.postLogoutRedirectUris),
  };
  await db.insertInto('applications')
    // Its only origins are the issuer's, which its redirect URI already allows.
    .values({ id: app.id, name: app.name, description: app.description, cors_origins: '[]', ...settings })
    .onConflict((oc) => oc.column('id').doUpdateSet(settings))
    .execute();
}

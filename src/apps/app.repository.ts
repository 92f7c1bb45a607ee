import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Application, ApplicationSecret, NewApplication } from '../db/tables.ts';

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function findApplication(db: Db, id: string): Promise<Application | undefined> {
  return db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertApplication(db: Db, app: NewApplication): Promise<Application> {
  return db.insertInto('applications').values(app).returningAll().executeTakeFirstOrThrow();
}

export async function listApplications(db: Db): Promise<Application[]> {
  return db.selectFrom('applications').selectAll().orderBy('created_at', 'desc').execute();
}

/** The secret of `applicationId` whose hash matches `secret`, expired or not. */
export async function findSecretByValue(db: Db, applicationId: string, secret: string): Promise<ApplicationSecret | undefined> {
  return db.selectFrom('application_secrets').selectAll()
    .where('secret_hash', '=', hashClientSecret(secret))
    .where('application_id', '=', applicationId)
    .executeTakeFirst();
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

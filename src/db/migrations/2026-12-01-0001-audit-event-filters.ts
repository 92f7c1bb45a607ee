import { sql, type Kysely } from 'kysely';

/**
 * The audit trail is read newest first by app and by event type too (the console's Audit events page filters on
 * both), not only by user: each filter gets an index in the order the list is read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX audit_events_client_id ON audit_events (client_id, created_at DESC, id DESC) WHERE client_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX audit_events_type ON audit_events (type, created_at DESC, id DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX audit_events_type`.execute(db);
  await sql`DROP INDEX audit_events_client_id`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * The device authorization grant (RFC 8628, src/oidc/device-flow/).
 * - `applications.device_flow`: a per-app opt-in. A user code can be phished ("enter this code to claim your
 *   prize"), so no app gets the grant until an admin turns it on.
 * - `device_code_polls`: when each device code was last polled and the interval it must keep, so a device that
 *   polls too fast is told `slow_down` by whichever node it reaches. Keyed by a hash of the device code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications')
    .addColumn('device_flow', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  await db.schema.createTable('device_code_polls')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('last_polled_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('slowed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_code_polls_expires_at').on('device_code_polls').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('device_code_polls').execute();
  await db.schema.alterTable('applications').dropColumn('device_flow').execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * The admin console's server side: the sign-in experience (one row of settings every node reads) and the
 * one-time links that create the first admin (only a hash of each link's token is kept).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('sign_in_settings')
    // One row: the key can only be true.
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('product_name', 'text', (c) => c.notNull().defaultTo('Sesame'))
    .addColumn('logo_url', 'text')
    .addColumn('logo_dark_url', 'text')
    .addColumn('primary_color', 'text', (c) => c.notNull().defaultTo('#4f46e5').check(sql`primary_color ~ '^#[0-9a-f]{6}$'`))
    .addColumn('default_language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('self_registration', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto('sign_in_settings').values({ id: true }).execute();

  await db.schema.createTable('setup_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('setup_tokens').execute();
  await db.schema.dropTable('sign_in_settings').execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Third-party apps (DESIGN.md §4): API resources and their scopes, roles that hand those scopes to users,
 * each third-party app's allowlist of permissions and its consent-screen branding, and the audit trail.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('api_resources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('indicator', 'text', (c) => c.notNull().unique())
    .addColumn('access_token_ttl', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.createTable('api_resource_scopes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('resource_id', 'text', (c) => c.notNull().references('api_resources.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('api_resource_scopes_resource_name', ['resource_id', 'name'])
    .execute();

  await db.schema.createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX roles_name_lower ON roles (lower(name))`.execute(db);

  await db.schema.createTable('role_scopes')
    .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('scope_id', 'text', (c) => c.notNull().references('api_resource_scopes.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('role_scopes_pkey', ['role_id', 'scope_id'])
    .execute();
  await db.schema.createIndex('role_scopes_scope_id').on('role_scopes').column('scope_id').execute();

  await db.schema.createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_roles_pkey', ['user_id', 'role_id'])
    .execute();
  await db.schema.createIndex('user_roles_role_id').on('user_roles').column('role_id').execute();

  // A third-party app's allowlist: user data scopes by name, API resource scopes by reference.
  await db.schema.createTable('application_user_scopes')
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope IN ('profile', 'email', 'phone', 'address', 'roles')`))
    .addPrimaryKeyConstraint('application_user_scopes_pkey', ['application_id', 'scope'])
    .execute();
  await db.schema.createTable('application_resource_scopes')
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('scope_id', 'text', (c) => c.notNull().references('api_resource_scopes.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('application_resource_scopes_pkey', ['application_id', 'scope_id'])
    .execute();

  await db.schema.alterTable('applications')
    .addColumn('display_name', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('logo_dark_url', 'text')
    .addColumn('terms_url', 'text')
    .addColumn('privacy_url', 'text')
    .execute();

  await db.schema.createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await sql`CREATE INDEX audit_events_created_at ON audit_events (created_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX audit_events_user_id ON audit_events (user_id, created_at DESC) WHERE user_id IS NOT NULL`.execute(db);

  // Remembered consent is found by user and app, across browser sessions.
  await sql`CREATE INDEX oidc_models_grant_account ON oidc_models ((payload->>'accountId'), (payload->>'clientId')) WHERE model = 'Grant'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX oidc_models_grant_account`.execute(db);
  await db.schema.dropTable('audit_events').execute();
  for (const column of ['display_name', 'logo_url', 'logo_dark_url', 'terms_url', 'privacy_url']) {
    await db.schema.alterTable('applications').dropColumn(column).execute();
  }
  for (const table of ['application_resource_scopes', 'application_user_scopes', 'user_roles', 'role_scopes', 'roles', 'api_resource_scopes', 'api_resources']) {
    await db.schema.dropTable(table).execute();
  }
}

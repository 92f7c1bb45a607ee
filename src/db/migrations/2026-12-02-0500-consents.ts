import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * Consent becomes Sesame's own record (issue 15 §1, DESIGN.md §7): what a person (or later an admin) allowed a
 * third-party app, until when. oidc-provider's Grants are derived from it for each authorization, so an app that
 * revokes or loses its tokens (and with them its Grant) no longer erases the decision.
 *
 * The live Grants of third-party apps become consent records, merged per user and app (a native app may hold
 * several): the union of what they hold, granted when the first was, ending when the last would have.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    // Granted OpenID Connect scopes, space-separated as in OAuth; claims asked for with the claims parameter.
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('claims', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // Granted API resource scopes: { indicator: "scope scope" }.
    .addColumn('resource_scopes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('person'))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addUniqueConstraint('consents_user_client', ['user_id', 'client_id'])
    .execute();
  await db.schema.createIndex('consents_client').on('consents').column('client_id').execute();

  const { rows } = await sql<{ account_id: string; client_id: string; payload: unknown; expires_at: Date | null }>`
    SELECT g.account_id, g.client_id, g.payload, g.expires_at
    FROM oidc_models g
    JOIN applications a ON a.id = g.client_id AND a.third_party
    JOIN users u ON u.id = g.account_id
    WHERE g.model = 'Grant' AND (g.expires_at IS NULL OR g.expires_at > now())`.execute(db);
  const merged = new Map<string, Merged>();
  for (const row of rows) {
    const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as GrantPayload;
    const key = `${row.account_id}\n${row.client_id}`;
    const entry: Merged = merged.get(key) ?? { userId: row.account_id, clientId: row.client_id, scopes: new Set(), claims: new Set(), resources: new Map(), expiresAt: row.expires_at };
    merged.set(key, entry);
    for (const scope of words(payload.openid?.scope)) entry.scopes.add(scope);
    for (const claim of Array.isArray(payload.openid?.claims) ? payload.openid.claims : []) if (typeof claim === 'string') entry.claims.add(claim);
    for (const [indicator, scope] of Object.entries(payload.resources ?? {})) {
      entry.resources.set(indicator, new Set([...(entry.resources.get(indicator) ?? []), ...words(scope)]));
    }
    if (typeof payload.iat === 'number') entry.iat = Math.min(entry.iat ?? payload.iat, payload.iat);
    if (entry.expiresAt && (!row.expires_at || row.expires_at > entry.expiresAt)) entry.expiresAt = row.expires_at;
  }
  for (const entry of merged.values()) {
    const resources = Object.fromEntries([...entry.resources].filter(([, s]) => s.size).map(([indicator, s]) => [indicator, [...s].join(' ')]));
    await db.insertInto('consents').values({
      id: `cns_${randomUUID().replace(/-/g, '')}`,
      user_id: entry.userId,
      client_id: entry.clientId,
      scopes: [...entry.scopes].join(' '),
      claims: JSON.stringify([...entry.claims]),
      resource_scopes: JSON.stringify(resources),
      source: 'person',
      granted_at: entry.iat ? new Date(entry.iat * 1000) : sql`now()`,
      expires_at: entry.expiresAt,
    }).execute();
  }
}

interface Merged {
  userId: string;
  clientId: string;
  scopes: Set<string>;
  claims: Set<string>;
  resources: Map<string, Set<string>>;
  iat?: number;
  expiresAt: Date | null;
}

interface GrantPayload {
  iat?: number;
  openid?: { scope?: unknown; claims?: unknown };
  resources?: Record<string, unknown>;
}

function words(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('consents').execute();
}

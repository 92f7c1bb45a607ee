/**
 * The queries Sesame runs per request (and a few admin ones that touch the big tables), as src/ issues them, run
 * under EXPLAIN (ANALYZE) on the large database. Writes are rolled back. Reports which index each one uses and
 * flags sequential scans.
 *
 *   node bench/explain.ts            (against sesame_bench_large; prints markdown)
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import pg from 'pg';
import type { Fixtures } from './fixtures.ts';
import { consumeStatement, findByStatements, revokeByGrantIdStatement } from '../src/oidc/adapter.ts';
import { findStatement } from '../src/oidc/artifact-reader.ts';
import { upsertConsumingStatement, upsertStatement } from '../src/oidc/artifact-writer.ts';
import { userArtifactsDeletion } from '../src/users/user.repository.ts';
import { largeDatabaseName } from './seed.ts';

/** Kysely only to turn src/'s statements into SQL and parameters (its documented compile-only set-up). */
const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
const compiled = (statement: { compile(db: Kysely<unknown>): { sql: string; parameters: readonly unknown[] } }) => {
  const { sql, parameters } = statement.compile(compiler);
  return { sql, params: [...parameters] };
};

/** When a query runs: on every request that needs it, when the node's cache lacks the row, or in admin work. */
export type QueryWhen = 'per request' | 'cache miss' | 'admin';

export interface ExplainedQuery {
  name: string;
  source: string;
  when: QueryWhen;
  scans: string[];
  seqScan: boolean;
  ms: number;
}

interface HotQuery { name: string; source: string; when: QueryWhen; sql: string; params: unknown[] }

function hotQueries(fx: Pick<Fixtures, 'user' | 'web' | 'resource'>): HotQuery[] {
  const live = `(expires_at IS NULL OR expires_at > now())`;
  return [
    { name: 'artifacts by id, with their grant (Session, AccessToken, RefreshToken, AuthorizationCode, Grant, …; batched)', source: 'ArtifactReader', when: 'per request',
      sql: findStatement, params: [['Grant', 'AccessToken', 'RefreshToken'], ['grant_seed_500000', 'no-such-token', 'no-such-token']] },
    { name: 'artifact by uid (Session)', source: 'PostgresAdapter.findByUid', when: 'per request',
      sql: findByStatements.uid, params: ['Session', 'no-such-uid'] },
    { name: 'upsert artifacts (batched)', source: 'ArtifactWriter', when: 'per request',
      sql: upsertStatement, params: [['AccessToken'], ['explain-at'], ['{}'], ['grant_seed_1'], [null], [null], ['app_seed_1'], ['usr_seed_7920'], [3600]] },
    { name: 'consume a code with the token it gives (batched)', source: 'ArtifactWriter', when: 'per request',
      sql: upsertConsumingStatement, params: [['AccessToken'], ['explain-at'], ['{}'], ['grant_seed_1'], [null], [null], ['app_seed_1'], ['usr_seed_7920'], [3600], ['AuthorizationCode'], ['no-such-code']] },
    { name: 'consume code / refresh token', source: 'PostgresAdapter.consume', when: 'per request',
      sql: consumeStatement, params: ['RefreshToken', 'no-such-token'] },
    { name: 'revoke by grant id (one model)', source: 'PostgresAdapter.revokeByGrantId', when: 'admin',
      sql: revokeByGrantIdStatement, params: ['grant_seed_42', 'AccessToken'] },
    { name: 'revoke a grant and its tokens', source: 'revokeGrant (src/grants/grant.repository.ts)', when: 'admin',
      sql: `DELETE FROM oidc_models WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)`, params: ['grant_seed_42'] },
    { name: 'client by id', source: 'findApplication', when: 'cache miss',
      sql: `SELECT * FROM applications WHERE id = $1`, params: [fx.web.clientId] },
    { name: "an app's secret hashes", source: 'Directory.secretHashes', when: 'cache miss',
      sql: `SELECT secret_hash, expires_at FROM application_secrets WHERE application_id = $1`, params: [fx.web.clientId] },
    { name: 'third-party app allowlist (user data)', source: 'allowedUserScopes', when: 'cache miss',
      sql: `SELECT scope FROM application_user_scopes WHERE application_id = $1 ORDER BY scope`, params: ['app_seed_3'] },
    { name: 'user by id', source: 'findUserById (findAccount)', when: 'cache miss',
      sql: `SELECT * FROM users WHERE id = $1`, params: ['usr_seed_500000'] },
    { name: 'user by username or email', source: 'findUserByLogin (sign-in)', when: 'per request',
      sql: `SELECT * FROM users WHERE (username_key = $1 OR email_key = $1) ORDER BY username_key = $1 DESC, username = $1 OR coalesce(email = $1, false) DESC, username_key_duplicate + email_key_duplicate LIMIT 1`, params: ['seed-user-500000'] },
    { name: 'API resource by indicator', source: 'findResourceByIndicator', when: 'cache miss',
      sql: `SELECT * FROM api_resources WHERE indicator = $1`, params: [fx.resource.indicator] },
    { name: 'app resource allowlist', source: 'allowedResourceScopes', when: 'cache miss',
      sql: `SELECT r.indicator, r.name, s.name, s.description FROM application_resource_scopes ars
            JOIN api_resource_scopes s ON s.id = ars.scope_id JOIN api_resources r ON r.id = s.resource_id
            WHERE ars.application_id = $1 ORDER BY r.name, s.name`, params: ['app_seed_5'] },
    { name: 'resource scopes a user holds', source: 'heldResourceScopes', when: 'per request',
      sql: `SELECT DISTINCT r.indicator, r.name, s.name, s.description FROM user_roles ur JOIN role_scopes rs ON rs.role_id = ur.role_id
            JOIN api_resource_scopes s ON s.id = rs.scope_id JOIN api_resources r ON r.id = s.resource_id
            WHERE ur.user_id = $1 AND r.indicator = $2 ORDER BY r.name, s.name`, params: ['usr_seed_500000', fx.resource.indicator] },
    { name: 'remembered grant of a user for an app', source: 'findGrantOfUserForApp (third-party sign-in)', when: 'per request',
      sql: `SELECT payload FROM oidc_models WHERE model = 'Grant' AND ${live} AND account_id = $1 AND client_id = $2
            ORDER BY expires_at DESC NULLS FIRST, id LIMIT 1`, params: ['usr_seed_7920', 'app_seed_1'] },
    { name: "a user's grants (Connected apps)", source: 'findGrantsOfUser (/account)', when: 'admin',
      sql: `SELECT payload FROM oidc_models WHERE model = 'Grant' AND ${live} AND account_id = $1 ORDER BY expires_at DESC NULLS FIRST, id`, params: ['usr_seed_7920'] },
    { name: 'CORS preflight: every app', source: 'Directory.corsOrigins', when: 'cache miss',
      sql: `SELECT redirect_uris, cors_origins FROM applications`, params: [] },
    { name: 'expired artifacts', source: 'deleteExpiredModels (every 10 min)', when: 'admin',
      sql: `SELECT model, id FROM oidc_models WHERE expires_at < now() LIMIT 5000`, params: [] },
    { name: "delete a user's artifacts", source: 'revokeUserArtifacts (suspend, delete, new password)', when: 'admin',
      ...compiled(userArtifactsDeletion('usr_seed_7920')) },
    { name: "delete an app's artifacts", source: 'deleteApplicationRow', when: 'admin',
      sql: `DELETE FROM oidc_models WHERE client_id = $1`, params: ['app_seed_1'] },
  ];
}

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] }

function scansOf(node: PlanNode, out: string[] = []): string[] {
  if (node['Relation Name'] || node['Index Name']) {
    out.push(node['Index Name'] ? `${node['Node Type']} ${node['Index Name']}` : `${node['Node Type']} on ${node['Relation Name']}`);
  }
  for (const child of node.Plans ?? []) scansOf(child, out);
  return out;
}

export async function explainHotQueries(url: string, fx: Pick<Fixtures, 'user' | 'web' | 'resource'>): Promise<ExplainedQuery[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const explained: ExplainedQuery[] = [];
  try {
    for (const query of hotQueries(fx)) {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query.sql}`, query.params);
        const plan = rows[0]['QUERY PLAN'][0] as { Plan: PlanNode; 'Execution Time': number };
        const scans = [...new Set(scansOf(plan.Plan))];
        explained.push({ name: query.name, source: query.source, when: query.when, scans, seqScan: scans.some((s) => s.startsWith('Seq Scan')), ms: Math.round(plan['Execution Time'] * 1000) / 1000 });
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    await client.end();
  }
  return explained;
}

export function explainTable(explained: ExplainedQuery[]): string {
  const lines = ['| query | issued by | runs | plan (scans) | ms |', '|---|---|---|---|---|'];
  for (const q of explained) {
    lines.push(`| ${q.name} | \`${q.source}\` | ${q.when} | ${q.scans.join('; ') || '—'}${q.seqScan ? ' **(seq scan)**' : ''} | ${q.ms} |`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const adminUrl = process.env.SESAME_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
  const fx = { user: { id: 'usr_seed_1', login: 'seed-user-1', password: '' }, web: { clientId: 'app_seed_1', clientSecret: '', redirectUri: '' }, resource: { indicator: 'https://api.bench.example/none', scope: 'read:things' } };
  console.log(explainTable(await explainHotQueries(`${adminUrl}/${largeDatabaseName}`, fx)));
}

import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { revokeByGrantIdStatement } from '../src/oidc/adapter.ts';
import { revokeUserArtifacts, userArtifactsDeletion } from '../src/users/user.repository.ts';
import { testDatabaseKind } from './support/database.ts';
import { openedTestDatabase } from './support/opened-database.ts';

/**
 * Revocations delete from oidc_models, the largest table, and must reach their rows through its indexes whatever
 * the planner's statistics say (they lag autovacuum by 10 % of the table, and the embedded database's by a minute):
 * - suspending, deleting or re-passwording a user: written as `grant_id IN (SELECT …)`, PostgreSQL could only scan
 *   the whole table (195 ms at a million grants);
 * - oidc-provider revoking a grant's tokens of one model: the planner took the primary key's `model` prefix where it
 *   believed that model rare, and read every access token (20 ms at 18,000).
 * The plan is read with sequential scans priced out (whether an index path exists at all), or with statistics that
 * predate the rows.
 */
const opened = openedTestDatabase();

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] }
const scannedWholly = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name']!] : []),
  ...(node.Plans ?? []).flatMap(scannedWholly),
];

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

const artifact = (model: string, id: string, columns: { account_id?: string; grant_id?: string }) =>
  sql`INSERT INTO oidc_models (model, id, payload, account_id, grant_id) VALUES (${model}, ${id}, '{}', ${columns.account_id ?? null}, ${columns.grant_id ?? null})`.execute(opened.db);

describe(`revocations on ${testDatabaseKind}`, () => {
  it('delete a user\'s artifacts through indexes, never by scanning oidc_models', async () => {
    const plan = await opened.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>`EXPLAIN (FORMAT JSON) ${userArtifactsDeletion('usr_plan')}`.execute(trx);
      return rows[0]!['QUERY PLAN'][0].Plan;
    });
    expect(scannedWholly(plan)).toEqual([]);
  });

  it('delete all the rows of the user and of their grants, and no one else’s', async () => {
    await artifact('Session', 'plan-session', { account_id: 'usr_gone' });
    await artifact('Grant', 'plan-grant', { account_id: 'usr_gone' });
    await artifact('RefreshToken', 'plan-refresh', { grant_id: 'plan-grant' });
    await artifact('Grant', 'plan-other-grant', { account_id: 'usr_kept' });
    await artifact('AccessToken', 'plan-other-token', { grant_id: 'plan-other-grant', account_id: 'usr_kept' });
    await revokeUserArtifacts(opened.db, 'usr_gone');
    const { rows } = await sql<{ id: string }>`SELECT id FROM oidc_models WHERE id LIKE 'plan-%' ORDER BY id`.execute(opened.db);
    expect(rows.map((row) => row.id)).toEqual(['plan-other-grant', 'plan-other-token']);
  });

  it('find a grant\'s tokens of one model by the grant, even where statistics call that model rare', async () => {
    // Statistics taken while there were grants and refresh tokens but no access tokens; then thousands of those.
    await sql`DELETE FROM oidc_models WHERE id LIKE 'plan-%'`.execute(opened.db);
    await sql`INSERT INTO oidc_models (model, id, payload, grant_id, expires_at)
              SELECT model, 'plan-' || model || '-' || n, '{}', CASE model WHEN 'RefreshToken' THEN 'plan-grant-' || n END, now() + interval '1 hour'
              FROM generate_series(1, 3000) AS n, unnest(ARRAY['Grant', 'RefreshToken']) AS model`.execute(opened.db);
    await sql`ANALYZE oidc_models`.execute(opened.db);
    await sql`INSERT INTO oidc_models (model, id, payload, grant_id, expires_at)
              SELECT 'AccessToken', 'plan-at-' || n, '{}', 'plan-grant-' || n, now() + interval '1 hour'
              FROM generate_series(1, 3000) AS n`.execute(opened.db);
    await artifact('AccessToken', 'plan-mine', { grant_id: 'plan-revoked' });
    const plan = await opened.db.transaction().execute(async (trx) => {
      const { rows } = await trx.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${revokeByGrantIdStatement}`, ['plan-revoked', 'AccessToken']));
      return rows[0]!['QUERY PLAN'][0].Plan;
    });
    const scans = nodes(plan).filter((node) => node['Index Name'] || node['Node Type'] === 'Seq Scan');
    expect(scans.map((node) => node['Index Name'] ?? node['Node Type'])).toEqual(['oidc_models_grant_id']);
  });
});

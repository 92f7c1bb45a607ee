import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { revokeUserArtifacts, userArtifactsDeletion } from '../src/users/user.repository.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/database.ts';

/**
 * Suspending, deleting or re-passwording a user deletes their artifacts from oidc_models, the largest table. The
 * statement must be able to reach them through the account and grant indexes: written as `grant_id IN (SELECT …)`
 * PostgreSQL could only scan the whole table (195 ms at a million grants). With sequential scans made prohibitively
 * expensive, the plan shows whether an index path exists at all, whatever the table's size.
 */
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ db } = await openDatabase(loadConfig(database.env)));
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] }
const scannedWholly = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name']!] : []),
  ...(node.Plans ?? []).flatMap(scannedWholly),
];

const artifact = (model: string, id: string, columns: { account_id?: string; grant_id?: string }) =>
  sql`INSERT INTO oidc_models (model, id, payload, account_id, grant_id) VALUES (${model}, ${id}, '{}', ${columns.account_id ?? null}, ${columns.grant_id ?? null})`.execute(db);

describe(`a user's artifacts on ${testDatabaseKind}`, () => {
  it('are deleted through indexes, never by scanning oidc_models', async () => {
    const plan = await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>`EXPLAIN (FORMAT JSON) ${userArtifactsDeletion('usr_plan')}`.execute(trx);
      return rows[0]!['QUERY PLAN'][0].Plan;
    });
    expect(scannedWholly(plan)).toEqual([]);
  });

  it('are all the rows of the user and of their grants, and no one else’s', async () => {
    await artifact('Session', 'plan-session', { account_id: 'usr_gone' });
    await artifact('Grant', 'plan-grant', { account_id: 'usr_gone' });
    await artifact('RefreshToken', 'plan-refresh', { grant_id: 'plan-grant' });
    await artifact('Grant', 'plan-other-grant', { account_id: 'usr_kept' });
    await artifact('AccessToken', 'plan-other-token', { grant_id: 'plan-other-grant', account_id: 'usr_kept' });
    await revokeUserArtifacts(db, 'usr_gone');
    const { rows } = await sql<{ id: string }>`SELECT id FROM oidc_models WHERE id LIKE 'plan-%' ORDER BY id`.execute(db);
    expect(rows.map((row) => row.id)).toEqual(['plan-other-grant', 'plan-other-token']);
  });
});

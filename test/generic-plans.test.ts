import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../src/db/tables.ts';
import { ArtifactReader } from '../src/oidc/artifact-reader.ts';
import { ArtifactWriter, type ArtifactRow } from '../src/oidc/artifact-writer.ts';
import { testDatabaseKind } from './support/database.ts';
import { openedTestDatabase } from './support/opened-database.ts';

/**
 * The statements every token request runs are prepared once per connection (src/db/prepared-statements.ts), and
 * PostgreSQL is to plan each for its values a few times, then keep a generic plan. The artifact lookups and the
 * consuming upsert read rows by the values of array parameters, of a length PostgreSQL cannot know, and were planned
 * anew on every execution — which cost it more than running them. Read from PostgreSQL's own count of each prepared
 * statement's plans, on one connection (prepared statements belong to it).
 */
const opened = openedTestDatabase();

const row = (id: string): ArtifactRow => ({
  model: 'AccessToken', id, payload: JSON.stringify({ jti: id }), grantId: null, uid: null, userCode: null, clientId: null, accountId: null,
  lifetimeSeconds: 3600,
});

const tokenKinds = ['AccessToken', 'ClientCredentials', 'RefreshToken'];

async function plans(connection: Kysely<Database>) {
  const { rows } = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
    SELECT statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE '%oidc_models%'`.execute(connection);
  return rows;
}

describe(`the hot statements on ${testDatabaseKind}`, () => {
  it('keep a generic plan: lookups of one artifact and of several at once, writes, and writes that consume', async () => {
    await opened.db.connection().execute(async (connection) => {
      const reader = new ArtifactReader(connection);
      const writer = new ArtifactWriter(connection);
      const runs = 12;
      for (let i = 0; i < runs; i++) {
        const id = `generic-plan-${i}`;
        await writer.upsert(row(id));
        expect(await reader.find('AccessToken', id, undefined)).toEqual({ jti: id });
        // As oidc-provider looks a presented token up: as three models at once, one statement.
        const found = await Promise.all(tokenKinds.map((model) => reader.find(model, id, undefined)));
        expect(found).toEqual([{ jti: id }, undefined, undefined]);
        await sql`INSERT INTO oidc_models (model, id, payload) VALUES ('AuthorizationCode', ${id}, '{}')`.execute(connection);
        await writer.upsert(row(`${id}-exchanged`), { model: 'AuthorizationCode', id });
        expect(await reader.find('AccessToken', `${id}-exchanged`, undefined)).toEqual({ jti: `${id}-exchanged` });
      }

      const hot = (await plans(connection)).filter((plan) => plan.generic_plans + plan.custom_plans >= runs);
      // The single lookup, the lookup of three, the write and the consuming write.
      expect(hot.length, JSON.stringify(hot)).toBeGreaterThanOrEqual(4);
      for (const plan of hot) {
        expect(plan.custom_plans, `${plan.statement}\n${plan.custom_plans} custom plans, ${plan.generic_plans} generic`).toBeLessThanOrEqual(5);
      }
    });
  });

  it('find and write as many artifacts at once as concurrent requests bring, past the few written out', async () => {
    await opened.db.connection().execute(async (connection) => {
      const reader = new ArtifactReader(connection);
      const writer = new ArtifactWriter(connection);
      for (const count of [1, 2, 8, 9, 40]) {
        const ids = Array.from({ length: count }, (_, i) => `many-${count}-${i}`);
        await Promise.all(ids.map((id) => writer.upsert(row(id))));
        const found = await Promise.all(ids.flatMap((id) => tokenKinds.map((model) => reader.find(model, id, undefined))));
        expect(found).toEqual(ids.flatMap((id) => [{ jti: id }, undefined, undefined]));
      }
    });
  });
});

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../src/errors.ts';
import { testDatabaseKind } from './support/database.ts';
import { openedTestDatabase } from './support/opened-database.ts';

/**
 * Statements sent again and again (prepared once on the embedded database, src/db/pglite-statements.ts) answer as a
 * statement parsed anew would: after the table changes shape, after a rollback, with every kind of value, and past
 * the number kept prepared.
 */
const opened = openedTestDatabase();

const selectAll = (table: string, executor: Parameters<ReturnType<typeof sql>['execute']>[0] = opened.db) =>
  sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} ORDER BY id`.execute(executor);

describe(`statements sent again on ${testDatabaseKind}`, () => {
  it('answer with the new columns after the table changed shape', async () => {
    await sql`CREATE TABLE shape_changes (id int PRIMARY KEY, name text)`.execute(opened.db);
    await sql`INSERT INTO shape_changes VALUES (1, 'one')`.execute(opened.db);
    for (let i = 0; i < 6; i++) expect((await selectAll('shape_changes')).rows).toEqual([{ id: 1, name: 'one' }]);
    await sql`ALTER TABLE shape_changes ADD COLUMN note text DEFAULT 'new'`.execute(opened.db);
    expect((await selectAll('shape_changes')).rows).toEqual([{ id: 1, name: 'one', note: 'new' }]);
    await sql`ALTER TABLE shape_changes DROP COLUMN name`.execute(opened.db);
    expect((await selectAll('shape_changes')).rows).toEqual([{ id: 1, note: 'new' }]);
  });

  it('answer with the old columns after a change of shape was rolled back', async () => {
    await sql`CREATE TABLE undone_changes (id int PRIMARY KEY, name text)`.execute(opened.db);
    await sql`INSERT INTO undone_changes VALUES (1, 'one')`.execute(opened.db);
    await opened.db.connection().execute(async (connection) => {
      await sql`BEGIN`.execute(connection);
      await sql`ALTER TABLE undone_changes ADD COLUMN note text DEFAULT 'new'`.execute(connection);
      for (let i = 0; i < 6; i++) expect((await selectAll('undone_changes', connection)).rows).toEqual([{ id: 1, name: 'one', note: 'new' }]);
      await sql`ROLLBACK`.execute(connection);
    });
    expect((await selectAll('undone_changes')).rows).toEqual([{ id: 1, name: 'one' }]);
  });

  it('write and read every kind of value the same way each time', async () => {
    await sql`CREATE TABLE kinds (id int PRIMARY KEY, doc jsonb, tags text[], at timestamptz, flag boolean, bytes bytea, maybe text)`.execute(opened.db);
    const at = new Date('2026-11-30T12:34:56.789Z');
    for (let id = 1; id <= 7; id++) {
      const doc = { id, nested: { list: [1, 'two', null] }, text: `quote ' and "double" ${id}` };
      await sql`INSERT INTO kinds VALUES (${id}, ${JSON.stringify(doc)}::jsonb, ${['a', `b,${id}`, 'c "d"']}, ${at}, ${id % 2 === 0}, ${Buffer.from([0, id, 255])}, ${null})`.execute(opened.db);
      const { rows } = await sql<Record<string, unknown>>`SELECT * FROM kinds WHERE id = ${id}`.execute(opened.db);
      expect(rows).toEqual([{ id, doc, tags: ['a', `b,${id}`, 'c "d"'], at, flag: id % 2 === 0, bytes: expect.anything(), maybe: null }]);
      expect(Buffer.from(rows[0]!.bytes as Uint8Array)).toEqual(Buffer.from([0, id, 255]));
    }
  });

  it('still answer when more distinct statements were sent than are kept prepared', async () => {
    const distinct = 300;
    const sums = async () => {
      const answers: number[] = [];
      for (let i = 0; i < distinct; i++) answers.push((await sql<{ n: number }>`SELECT ${sql.lit(i)} + ${1}::int AS n`.execute(opened.db)).rows[0]!.n);
      return answers;
    };
    const expected = Array.from({ length: distinct }, (_, i) => i + 1);
    expect(await sums()).toEqual(expected);
    expect(await sums()).toEqual(expected);
    if (testDatabaseKind === 'pglite') expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM pg_prepared_statements`.execute(opened.db)).rows[0]!.n)).toBeLessThanOrEqual(256);
  });

  it.runIf(testDatabaseKind === 'pglite')('are prepared anew after a thousand executions, so their plan follows the tables as they grow', async () => {
    await sql`CREATE TABLE growing (id int PRIMARY KEY, note text)`.execute(opened.db);
    const lookup = (id: number) => sql<{ note: string }>`SELECT note FROM growing WHERE id = ${id}`.execute(opened.db);
    for (let id = 1; id <= 1500; id++) {
      await sql`INSERT INTO growing VALUES (${id}, ${`note ${id}`})`.execute(opened.db);
      expect((await lookup(id)).rows).toEqual([{ note: `note ${id}` }]);
    }
    const { rows } = await sql<{ plans: number }>`
      SELECT generic_plans + custom_plans AS plans FROM pg_prepared_statements WHERE statement = 'SELECT note FROM growing WHERE id = $1'`.execute(opened.db);
    // One statement for the text, the earlier one closed, and planned for its last 500 executions only.
    expect(rows.map((row) => Number(row.plans))).toEqual([500]);
  });

  it('fail alone: a refused statement reports its error and the next ones run', async () => {
    await sql`CREATE TABLE uniques (id int PRIMARY KEY)`.execute(opened.db);
    const insert = (id: number) => sql`INSERT INTO uniques VALUES (${id})`.execute(opened.db);
    await insert(1);
    const refused = await insert(1).catch((error: unknown) => error);
    expect(isUniqueViolation(refused)).toBe(true);
    await insert(2);
    const inTransaction = await opened.db.transaction().execute(async (tx) => {
      await sql`INSERT INTO uniques VALUES (${3})`.execute(tx);
      await sql`INSERT INTO uniques VALUES (${1})`.execute(tx);
    }).catch((error: unknown) => error);
    expect(isUniqueViolation(inTransaction)).toBe(true);
    expect((await selectAll('uniques')).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

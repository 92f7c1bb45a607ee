import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AlreadyConsumed, ArtifactWriter, type ArtifactRow } from '../src/oidc/artifact-writer.ts';
import { openedTestDatabase } from './support/opened-database.ts';
import { touching, watchStatements } from './support/statements.ts';

/**
 * The writer stores the artifacts of one turn of the event loop in one statement (src/oidc/artifact-writer.ts), and
 * a write may carry the consume of a one-time artifact: made only by consuming it, and exactly one of the writes that
 * need one consume is made.
 */
const opened = openedTestDatabase();

const row = (id: string, payload: object = {}): ArtifactRow => ({
  model: 'AccessToken', id, payload: JSON.stringify(payload), grantId: null, uid: null, userCode: null, clientId: null, accountId: null,
  lifetimeSeconds: 3600,
});
const code = async (id: string, consumed = false) => {
  await sql`INSERT INTO oidc_models (model, id, payload, consumed_at) VALUES ('AuthorizationCode', ${id}, '{}', ${consumed ? new Date() : null})`.execute(opened.db);
  return { model: 'AuthorizationCode', id };
};
const stored = async (id: string) => (await sql<{ payload: unknown }>`SELECT payload FROM oidc_models WHERE model = 'AccessToken' AND id = ${id}`.execute(opened.db)).rows[0]?.payload;
const consumedAt = async (id: string) => (await sql<{ consumed_at: Date | null }>`SELECT consumed_at FROM oidc_models WHERE id = ${id}`.execute(opened.db)).rows[0]?.consumed_at;

describe('The artifact writer', () => {
  it('writes an artifact upserted twice in one turn once, as last given, with the rest of the turn in one statement', async () => {
    const writer = new ArtifactWriter(opened.db);
    const statements = watchStatements();
    try {
      await Promise.all([writer.upsert(row('twice', { n: 1 })), writer.upsert(row('other')), writer.upsert(row('twice', { n: 2 }))]);
      expect(touching(statements.texts, 'oidc_models')).toHaveLength(1);
    } finally {
      statements.stop();
    }
    expect(await stored('twice')).toEqual({ n: 2 });
    expect(await stored('other')).toEqual({});
  });

  it('writes a row that carries a consume only by consuming, in the same statement as the turn\'s other rows', async () => {
    const writer = new ArtifactWriter(opened.db);
    const fresh = await code('code-fresh');
    const spent = await code('code-spent', true);
    const statements = watchStatements();
    let answers;
    try {
      answers = await Promise.allSettled([writer.upsert(row('by-fresh'), fresh), writer.upsert(row('by-spent'), spent), writer.upsert(row('plain'))]);
      expect(touching(statements.texts, 'oidc_models')).toHaveLength(1);
    } finally {
      statements.stop();
    }
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((answers[1] as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyConsumed);
    expect(await consumedAt('code-fresh')).toBeInstanceOf(Date);
    expect(await stored('by-fresh')).toEqual({});
    expect(await stored('by-spent')).toBeUndefined();
    expect(await stored('plain')).toEqual({});
  });

  it('makes exactly one of the writes of a turn that need the same consume', async () => {
    const writer = new ArtifactWriter(opened.db);
    const once = await code('code-once');
    const answers = await Promise.allSettled(['first', 'second', 'third'].map((id) => writer.upsert(row(`race-${id}`), once)));
    expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(1);
    const losers = answers.filter((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
    expect(losers.map((loser) => loser.reason instanceof AlreadyConsumed)).toEqual([true, true]);
    const written = await Promise.all(['first', 'second', 'third'].map((id) => stored(`race-${id}`)));
    expect(written.filter((payload) => payload !== undefined)).toHaveLength(1);
  });
});

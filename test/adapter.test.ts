import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { errors } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { deleteExpiredModels, PostgresAdapter } from '../src/oidc/adapter.ts';
import { revokeGrant } from '../src/grants/grant.repository.ts';
import { testDatabaseKind } from './support/database.ts';
import { openedTestDatabase } from './support/opened-database.ts';

/** oidc-provider's storage contract, on the database the suite runs against (PGlite or PostgreSQL). */
const opened = openedTestDatabase();

const newId = () => randomBytes(16).toString('base64url');
const adapter = (model: string) => new PostgresAdapter(opened.db, model);

async function expireNow(model: string, id: string) {
  await opened.db.updateTable('oidc_models').set({ expires_at: sql`now() - interval '1 second'` })
    .where('model', '=', model).where('id', '=', id).execute();
}

async function rowCount(where: { grantId?: string; model?: string; id?: string }) {
  let query = opened.db.selectFrom('oidc_models').select((eb) => eb.fn.countAll<string>().as('n'));
  if (where.grantId) query = query.where('grant_id', '=', where.grantId);
  if (where.model) query = query.where('model', '=', where.model);
  if (where.id) query = query.where('id', '=', where.id);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

describe(`PostgresAdapter on ${testDatabaseKind}`, () => {
  it('stores a payload with upsert and finds it by id', async () => {
    const codes = adapter('AuthorizationCode');
    const id = newId();
    const payload = { jti: id, kind: 'AuthorizationCode', grantId: newId(), scope: 'openid', nested: { a: [1, 'two', null] }, unicode: 'Ünïcødé ✓ 日本' };
    await codes.upsert(id, payload, 60);
    expect(await codes.find(id)).toEqual(payload);
    expect(await codes.find(newId())).toBeUndefined();
  });

  it('replaces the payload and expiry on a second upsert of the same id', async () => {
    const sessions = adapter('Session');
    const id = newId();
    await sessions.upsert(id, { jti: id, uid: 'uid-1', accountId: 'a' }, 60);
    await sessions.upsert(id, { jti: id, uid: 'uid-2', accountId: 'b' }, 3600);
    expect(await sessions.find(id)).toEqual({ jti: id, uid: 'uid-2', accountId: 'b' });
    expect(await sessions.findByUid('uid-1')).toBeUndefined();
    expect(await sessions.findByUid('uid-2')).toMatchObject({ accountId: 'b' });
    const row = await opened.db.selectFrom('oidc_models').select(sql<number>`extract(epoch from expires_at - now())`.as('left'))
      .where('model', '=', 'Session').where('id', '=', id).executeTakeFirstOrThrow();
    expect(Number(row.left)).toBeGreaterThan(3500);
    expect(Number(row.left)).toBeLessThanOrEqual(3600);
  });

  it('keeps models apart: the same id in two models are two rows', async () => {
    const id = newId();
    await adapter('AccessToken').upsert(id, { jti: id, kind: 'AccessToken' }, 60);
    await adapter('RefreshToken').upsert(id, { jti: id, kind: 'RefreshToken' }, 60);
    expect(await adapter('AccessToken').find(id)).toMatchObject({ kind: 'AccessToken' });
    expect(await adapter('RefreshToken').find(id)).toMatchObject({ kind: 'RefreshToken' });
    await adapter('AccessToken').destroy(id);
    expect(await adapter('AccessToken').find(id)).toBeUndefined();
    expect(await adapter('RefreshToken').find(id)).toMatchObject({ kind: 'RefreshToken' });
  });

  it('stores a row without expiry when expiresIn is not given', async () => {
    const id = newId();
    await adapter('Grant').upsert(id, { jti: id, accountId: 'a', clientId: 'c' });
    expect(await adapter('Grant').find(id)).toMatchObject({ accountId: 'a' });
    const row = await opened.db.selectFrom('oidc_models').select('expires_at').where('model', '=', 'Grant').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.expires_at).toBeNull();
  });

  it('finds by uid and by user code within the model only', async () => {
    const uid = newId();
    const userCode = `ABCD-${randomBytes(3).toString('hex')}`;
    await adapter('Session').upsert(newId(), { uid, accountId: 'a' }, 60);
    await adapter('DeviceCode').upsert(newId(), { userCode, grantId: newId() }, 60);
    expect(await adapter('Session').findByUid(uid)).toMatchObject({ uid, accountId: 'a' });
    expect(await adapter('Interaction').findByUid(uid)).toBeUndefined();
    expect(await adapter('DeviceCode').findByUserCode(userCode)).toMatchObject({ userCode });
    expect(await adapter('DeviceCode').findByUserCode('WXYZ-0000')).toBeUndefined();
  });

  it('destroys one artifact; destroying a missing one is a no-op', async () => {
    const id = newId();
    await adapter('Interaction').upsert(id, { jti: id }, 60);
    await adapter('Interaction').destroy(id);
    expect(await adapter('Interaction').find(id)).toBeUndefined();
    await expect(adapter('Interaction').destroy(id)).resolves.toBeUndefined();
  });

  it('revokes by grant id within the model, leaving other grants alone', async () => {
    const grantId = newId();
    const otherGrant = newId();
    const mine = [newId(), newId()];
    const theirs = newId();
    for (const id of mine) await adapter('AccessToken').upsert(id, { jti: id, grantId }, 60);
    await adapter('AccessToken').upsert(theirs, { jti: theirs, grantId: otherGrant }, 60);
    const refresh = newId();
    await adapter('RefreshToken').upsert(refresh, { jti: refresh, grantId }, 60);

    await adapter('AccessToken').revokeByGrantId(grantId);
    for (const id of mine) expect(await adapter('AccessToken').find(id)).toBeUndefined();
    expect(await adapter('AccessToken').find(theirs)).toMatchObject({ grantId: otherGrant });
    // oidc-provider calls revokeByGrantId once per model.
    expect(await adapter('RefreshToken').find(refresh)).toMatchObject({ grantId });
  });

  it('revokeGrant removes the grant and every artifact issued under it', async () => {
    const grantId = newId();
    await adapter('Grant').upsert(grantId, { jti: grantId, accountId: 'a', clientId: 'c' }, 3600);
    for (const model of ['AuthorizationCode', 'AccessToken', 'RefreshToken']) {
      await adapter(model).upsert(newId(), { grantId }, 60);
    }
    const unrelated = newId();
    await adapter('AccessToken').upsert(unrelated, { grantId: newId() }, 60);
    await revokeGrant(opened.db, grantId);
    expect(await rowCount({ grantId })).toBe(0);
    expect(await adapter('Grant').find(grantId)).toBeUndefined();
    expect(await adapter('AccessToken').find(unrelated)).toBeDefined();
  });

  it('marks an artifact consumed once; find then reports when', async () => {
    const id = newId();
    const codes = adapter('AuthorizationCode');
    await codes.upsert(id, { jti: id, grantId: newId() }, 60);
    expect((await codes.find(id))?.consumed).toBeUndefined();
    const before = Math.floor(Date.now() / 1000);
    await codes.consume(id);
    const consumed = (await codes.find(id))?.consumed;
    expect(typeof consumed).toBe('number');
    expect(consumed).toBeGreaterThanOrEqual(before - 5);
    expect(consumed).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
  });

  it('a second consume of the same code fails with invalid_grant and revokes the grant', async () => {
    const grantId = newId();
    const code = newId();
    await adapter('Grant').upsert(grantId, { jti: grantId }, 3600);
    await adapter('AuthorizationCode').upsert(code, { jti: code, grantId }, 60);
    const token = newId();
    await adapter('AccessToken').upsert(token, { jti: token, grantId }, 60);

    await adapter('AuthorizationCode').consume(code);
    const error = await adapter('AuthorizationCode').consume(code).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.InvalidGrant);
    expect((error as errors.InvalidGrant).error_detail).toMatch(/already consumed/);
    expect(await rowCount({ grantId })).toBe(0);
    expect(await adapter('Grant').find(grantId)).toBeUndefined();
  });

  it('an expired artifact is not found, by id, uid or user code', async () => {
    const id = newId();
    const uid = newId();
    const userCode = newId();
    await adapter('DeviceCode').upsert(id, { jti: id, uid, userCode }, 60);
    expect(await adapter('DeviceCode').find(id)).toBeDefined();
    await expireNow('DeviceCode', id);
    expect(await adapter('DeviceCode').find(id)).toBeUndefined();
    expect(await adapter('DeviceCode').findByUid(uid)).toBeUndefined();
    expect(await adapter('DeviceCode').findByUserCode(userCode)).toBeUndefined();
  });

  it('deleteExpiredModels removes expired rows and nothing else', async () => {
    const expired = [newId(), newId(), newId()];
    const live = newId();
    const forever = newId();
    for (const id of expired) {
      await adapter('AccessToken').upsert(id, { jti: id }, 60);
      await expireNow('AccessToken', id);
    }
    await adapter('AccessToken').upsert(live, { jti: live }, 60);
    await adapter('Grant').upsert(forever, { jti: forever });

    // Batches: a small batch removes at most that many; calling again finishes the job.
    const first = await deleteExpiredModels(opened.db, 2);
    expect(first).toBe(2);
    expect(await deleteExpiredModels(opened.db)).toBeGreaterThanOrEqual(1);
    expect(await deleteExpiredModels(opened.db)).toBe(0);
    for (const id of expired) expect(await rowCount({ model: 'AccessToken', id })).toBe(0);
    expect(await adapter('AccessToken').find(live)).toBeDefined();
    expect(await adapter('Grant').find(forever)).toBeDefined();
  });

  it('stores upserts made at once, more than one statement holds, each with its own lookup columns and expiry', async () => {
    const ids = Array.from({ length: 250 }, newId);
    await Promise.all(ids.map((id, i) => adapter(i % 2 ? 'AccessToken' : 'DeviceCode').upsert(id, { jti: id, userCode: `U-${id}`, grantId: `g-${id}` }, 60)));
    const rows = await opened.db.selectFrom('oidc_models').select(['model', 'id', 'user_code', 'grant_id', sql<number>`extract(epoch from expires_at - now())`.as('left')])
      .where('id', 'in', ids).execute();
    expect(rows).toHaveLength(250);
    for (const row of rows) {
      expect([row.user_code, row.grant_id]).toEqual([`U-${row.id}`, `g-${row.id}`]);
      // A device code is kept an hour past its expiry (expired_token, not invalid_grant).
      expect(Number(row.left)).toBeGreaterThan(row.model === 'DeviceCode' ? 3600 : 0);
      expect(Number(row.left)).toBeLessThanOrEqual(row.model === 'DeviceCode' ? 3660 : 60);
    }
  });

  it('stores the last of several upserts of one artifact made at once, and answers each', async () => {
    const id = newId();
    const other = newId();
    const sessions = adapter('Session');
    const writes = [1, 2, 3].map((n) => sessions.upsert(id, { jti: id, uid: `uid-${n}` }, 60));
    await Promise.all([...writes, sessions.upsert(other, { jti: other }, 60)]);
    expect(await sessions.find(id)).toEqual({ jti: id, uid: 'uid-3' });
    expect(await sessions.find(other)).toEqual({ jti: other });
  });

  it('an upsert the database refuses fails alone; the others made with it are stored', async () => {
    const refused = newId();
    await sql.raw(`CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = '${refused}' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`).execute(opened.db);
    await sql`CREATE TRIGGER refuse_one BEFORE INSERT OR UPDATE ON oidc_models FOR EACH ROW EXECUTE FUNCTION refuse_one()`.execute(opened.db);
    try {
      const ids = Array.from({ length: 9 }, newId);
      const tokens = adapter('AccessToken');
      const results = await Promise.allSettled([...ids, refused].map((id) => tokens.upsert(id, { jti: id }, 60)));
      expect(results.slice(0, 9).map((r) => r.status)).toEqual(Array(9).fill('fulfilled'));
      expect(results[9]).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('refused for the test') } });
      for (const id of ids) expect(await tokens.find(id)).toEqual({ jti: id });
      expect(await tokens.find(refused)).toBeUndefined();
    } finally {
      await sql`DROP TRIGGER refuse_one ON oidc_models`.execute(opened.db);
      await sql`DROP FUNCTION refuse_one()`.execute(opened.db);
    }
  });

  it('a payload holding what PostgreSQL cannot read as text (NUL, lone surrogates) is stored readable, as U+FFFD', async () => {
    const id = newId();
    const payload = { jti: id, params: { state: 'a\u0000b', nonce: '\u0000', claims: '{"\\ud800":null}', [`k\ud800`]: 'x\udfffy', ok: '😀\t' } };
    await adapter('Interaction').upsert(id, payload, 60);
    expect(await adapter('Interaction').find(id)).toEqual({
      jti: id, params: { state: 'a\uFFFDb', nonce: '\uFFFD', claims: '{"\\ud800":null}', 'k\uFFFD': 'x\uFFFDy', ok: '😀\t' },
    });
    // SQL that reads into the payload works on it.
    const row = await sql<{ state: string }>`SELECT payload->'params'->>'state' AS state FROM oidc_models WHERE id = ${id}`.execute(opened.db);
    expect(row.rows[0]?.state).toBe('a\uFFFDb');
  });
});

describe(`concurrent consumers of one code on ${testDatabaseKind}`, () => {
  /**
   * On PostgreSQL each consumer runs on its own pooled connection, so the consumes truly race in the
   * server; PGlite is a single session, so there they are concurrent promises interleaving.
   */
  it('exactly one of several concurrent consumers wins, every time', async () => {
    for (let round = 0; round < 15; round++) {
      const grantId = newId();
      const code = newId();
      const refresh = newId();
      await adapter('Grant').upsert(grantId, { jti: grantId }, 3600);
      await adapter('AuthorizationCode').upsert(code, { jti: code, grantId }, 60);
      await adapter('RefreshToken').upsert(refresh, { jti: refresh, grantId }, 3600);

      const consumers = round % 2 ? 2 : 5;
      const results = await Promise.allSettled(
        Array.from({ length: consumers }, () => new PostgresAdapter(opened.db, 'AuthorizationCode').consume(code)),
      );
      const winners = results.filter((r) => r.status === 'fulfilled');
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(consumers - 1);
      for (const loser of losers) expect(loser.reason).toBeInstanceOf(errors.InvalidGrant);
      // The losers revoked the grant: its refresh token and the grant itself are gone.
      expect(await adapter('RefreshToken').find(refresh)).toBeUndefined();
      expect(await adapter('Grant').find(grantId)).toBeUndefined();
      expect(await rowCount({ grantId })).toBe(0);
    }
  });

  it.runIf(testDatabaseKind === 'postgres')('consumers queued on the same row in the server: still exactly one wins', async () => {
    const grantId = newId();
    const code = newId();
    await adapter('AuthorizationCode').upsert(code, { jti: code, grantId }, 60);
    let consumers: Promise<PromiseSettledResult<void>[]> | undefined;
    // Hold the row locked so that both consumers are waiting inside PostgreSQL, on two connections, when it is released.
    await opened.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM oidc_models WHERE model = 'AuthorizationCode' AND id = ${code} FOR UPDATE`.execute(trx);
      consumers = Promise.allSettled([0, 1].map(() => adapter('AuthorizationCode').consume(code)));
      // Polled on another connection: inside a transaction pg_stat_activity is a snapshot.
      for (let waiting = 0; waiting < 2;) {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%update oidc_models set consumed_at%'`.execute(opened.db);
        waiting = Number(rows[0]!.n);
      }
    });
    const results = await consumers!;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [loser] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(loser?.reason).toBeInstanceOf(errors.InvalidGrant);
    expect(await rowCount({ grantId })).toBe(0);
  });
});

describe.runIf(testDatabaseKind === 'postgres')('prepared statements on PostgreSQL', () => {
  /** The prepared statements of every connection of `target`'s pool, as PostgreSQL lists them. */
  async function preparedNames(target: Db): Promise<string[]> {
    return target.connection().execute(async (connection) => {
      const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(connection);
      return rows.map((row) => row.name);
    });
  }

  it('prepares the hot statements once per connection, and answers the same with them turned off', async () => {
    const plain = (await openDatabase({ ...loadConfig(opened.database.env), preparedStatements: false })).db;
    try {
      for (const [label, target] of [['prepared', opened.db], ['plain', plain]] as const) {
        // One connection at a time, so the statements run on the connection whose prepared statements are listed.
        await target.connection().execute(async (connection) => {
          const tokens = new PostgresAdapter(connection, 'AccessToken');
          const id = newId();
          const payload = { jti: id, kind: 'AccessToken', grantId: newId(), uid: `uid-${id}` };
          await tokens.upsert(id, payload, 60);
          expect(await tokens.find(id), label).toEqual(payload);
          expect(await tokens.findByUid(`uid-${id}`), label).toMatchObject({ jti: id });
          await tokens.consume(id);
          expect((await tokens.find(id))?.consumed, label).toEqual(expect.any(Number));
          await tokens.destroy(id);
          expect(await tokens.find(id), label).toBeUndefined();
          const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(connection);
          // The upsert, the lookup by id and by uid, the consume and the delete.
          if (label === 'prepared') expect(rows.map((row) => row.name).filter((name) => name.startsWith('sesame_')).length).toBeGreaterThanOrEqual(5);
          else expect(rows).toEqual([]);
        });
      }
      expect(await preparedNames(plain)).toEqual([]);
    } finally {
      await plain.destroy();
    }
  });
});

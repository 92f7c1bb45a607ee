import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * Lets Kysely's PostgresDialect drive an embedded PGlite database.
 * PGlite is a single session, so the pool lends it to one borrower at a time;
 * a transaction therefore never interleaves with another caller's queries.
 */
export class PGlitePool implements PostgresPool {
  readonly options = {};
  readonly #db: Pick<PGlite, 'query' | 'close'>;
  #tail: Promise<void> = Promise.resolve();

  constructor(db: Pick<PGlite, 'query' | 'close'>) {
    this.#db = db;
  }

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => { release = resolve; });
    const previous = this.#tail;
    this.#tail = previous.then(() => turn);
    await previous;
    const db = this.#db;
    return {
      async query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> {
        const result = await db.query<R>(sql, parameters as unknown[]);
        const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() as PostgresQueryResult<R>['command'];
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release,
    } as unknown as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.#tail;
    await this.#db.close();
  }
}

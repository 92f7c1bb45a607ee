import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { spelledOut } from './prepared-statements.ts';

// INSERT INTO t, UPDATE t, DELETE FROM t anywhere in a statement (CTEs too), quoted or not, schema-qualified or not.
const writtenTable = /\b(?:insert\s+into|update|delete\s+from)\s+(?:"?public"?\.)?"?([a-z_][a-z0-9_]*)"?/gi;

/** The tables a statement writes to, read from its SQL (as Kysely compiles it, or as written by hand). */
export function tablesWrittenBy(statement: string): string[] {
  return [...statement.matchAll(writtenTable)].map((match) => match[1]!.toLowerCase());
}

const callerReported = new Set<string>();

/**
 * Marks a write statement whose changes the pool does not report: its caller tells the caches exactly which rows
 * it changed (src/oidc/adapter.ts, for the node's artifact cache), or it changes nothing a cache holds. Reported as
 * "the table changed", every token issued or code redeemed would empty this node's cache of tokens.
 */
export function reportedByCaller(statement: string): string {
  callerReported.add(statement);
  return statement;
}

type Client = pg.PoolClient;

/**
 * A pg pool that tells `report` which tables this process changed, once the change is committed: at once for a
 * statement outside a transaction, at COMMIT for those inside one, never for a rolled-back one. PostgreSQL tells
 * every node the same through NOTIFY (src/db/change-feed.ts); this lets the node that made a change see it
 * without waiting for its own notification to come back. A statement that changed no row reports nothing (so a
 * revocation of something already gone costs no cache), nor does one its caller reports (`reportedByCaller`).
 */
export function reportCommittedWrites(pool: pg.Pool, report: (tables: ReadonlySet<string>) => void, options: { prepare: boolean } = { prepare: true }): PostgresPool {
  const wrapped = new WeakMap<Client, PostgresPoolClient>();

  function wrap(client: Client): PostgresPoolClient {
    let inTransaction = false;
    const pending = new Set<string>();
    const query = async (statement: unknown, parameters?: readonly unknown[]) => {
      // Cursors (streamed queries) are passed as objects; Sesame streams only reads.
      if (typeof statement !== 'string') return client.query(statement as never);
      // Hot statements go as named (prepared) statements (src/db/prepared-statements.ts), unless turned off.
      const result = await client.query(options.prepare ? spelledOut(statement, parameters) : { text: statement, values: parameters as unknown[] });
      const command = result.command?.toUpperCase();
      if (command === 'BEGIN' || command === 'START') inTransaction = true;
      else if (command === 'COMMIT' || command === 'ROLLBACK') {
        // A COMMIT of a failed transaction answers ROLLBACK.
        if (command === 'COMMIT' && pending.size) report(new Set(pending));
        pending.clear();
        inTransaction = false;
      } else if ((command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE') && !callerReported.has(statement)) {
        const tables = tablesWrittenBy(statement);
        // The count is of the statement's own table: one with a writing CTE may have changed others' rows.
        const changedNothing = result.rowCount === 0 && tables.length === 1;
        if (tables.length && !changedNothing) {
          if (inTransaction) for (const table of tables) pending.add(table);
          else report(new Set(tables));
        }
      }
      return result;
    };
    return {
      query,
      release: (discard?: boolean) => {
        pending.clear();
        inTransaction = false;
        client.release(discard);
      },
    } as unknown as PostgresPoolClient;
  }

  return {
    async connect() {
      const client = await pool.connect();
      let facade = wrapped.get(client);
      if (!facade) wrapped.set(client, facade = wrap(client));
      return facade;
    },
    end: () => pool.end(),
    get options() { return pool.options; },
    get Client() { return (pool as unknown as { Client: unknown }).Client; },
  } as unknown as PostgresPool;
}

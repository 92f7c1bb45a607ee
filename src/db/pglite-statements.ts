import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';
import { spelledOut } from './prepared-statements.ts';

const { serialize } = protocol;
const { parseResults, parseDescribeStatementResults } = parse;

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

/** Statements worth keeping prepared: the ones that read and write rows, which Sesame sends over and over. */
const reusable = /^\s*(select|insert|update|delete|with)\b/i;
/** Statements that change no table's shape; anything else (DDL, a rollback that may undo DDL) drops the prepared ones. */
const leavesSchema = /^\s*(begin|start|commit|end|savepoint|release)\b/i;
/** Prepared statements kept, the least recently used closed first: Sesame sends a few dozen distinct ones. */
const capacity = 256;

/**
 * Executions after which a statement is prepared anew. PostgreSQL plans a prepared statement for its values five
 * times, then keeps one generic plan if it costs no more; a plan made while a table was small (a sequential scan of
 * oidc_models) stayed as the table grew to thousands of tokens, three times slower than planning each time, for
 * PGlite has no autovacuum to ANALYZE it. Sesame's own (src/db/embedded-vacuum.ts) analyses a table once it changed
 * enough, which drops the prepared statements (it is not transaction control); preparing anew every so often also
 * lets plans follow tables between two of its passes, and still skips parsing, analysis and nearly all planning.
 */
const replanAfter = 1000;

interface Prepared {
  name: string;
  /** The parameters' type OIDs, which say how each value is written (as PGlite's own `query` writes it). */
  parameterTypes: number[];
  /** Its RowDescription, or none for a statement that returns no rows. */
  columns: BackendMessage | undefined;
  executions: number;
}

/**
 * PGlite's `query` parses, analyses and plans every statement anew, in six calls into PostgreSQL, all on the event
 * loop's thread. Here each distinct text that reads or writes rows is prepared once as a named statement, then only
 * bound and executed, in one call: PostgreSQL keeps it parsed, analysed and (see `replanAfter`) planned, and the
 * embedded database's CPU time per statement falls by more than half (replaying the 7,900 statements of a run of
 * Sesame's token flows: 2.6 s of CPU, then 1.1 s). Any other statement goes through `query` and, unless it is
 * transaction control, forgets the prepared ones, whose result columns a schema change could otherwise alter ("cached
 * plan must not change result type").
 */
export class PGliteStatements {
  readonly #db: PGlite;
  /** By text, in order of last use. */
  readonly #prepared = new Map<string, Prepared>();
  #nextName = 1;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async query<R>(sql: string, parameters: unknown[] = []): Promise<Results<R>> {
    if (reusable.test(sql)) {
      // A registered statement's short arrays written out, so that its generic plan is kept (prepared-statements.ts).
      const statement = spelledOut(sql, parameters);
      return this.#db.runExclusive(() => this.#execute<R>(statement.text, statement.values ?? []));
    }
    const result = await this.#db.query<R>(sql, parameters);
    if (!leavesSchema.test(sql)) await this.#forgetAll();
    return result;
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async #execute<R>(sql: string, parameters: unknown[]): Promise<Results<R>> {
    let statement = this.#prepared.get(sql);
    this.#prepared.delete(sql);
    if (!statement || statement.executions >= replanAfter) statement = await this.#prepare(sql, statement);
    this.#prepared.set(sql, statement);
    statement.executions++;
    const values = parameters.map((value, i) => this.#write(value, statement.parameterTypes[i]!));
    const messages = await this.#db.execProtocolStream(concat(
      serialize.bind({ statement: statement.name, values }),
      serialize.execute({}),
      serialize.sync(),
    ), {});
    const [result] = parseResults(statement.columns ? [statement.columns, ...messages] : messages, this.#db.parsers);
    return result as Results<R>;
  }

  /** Prepares `sql`, closing in the same call the statement it replaces, or the least recently used one when full. */
  async #prepare(sql: string, replaced: Prepared | undefined): Promise<Prepared> {
    const closed = replaced ? [replaced] : [];
    if (!replaced && this.#prepared.size >= capacity) {
      const [oldestText, oldest] = this.#prepared.entries().next().value!;
      this.#prepared.delete(oldestText);
      closed.push(oldest);
    }
    const name = `sesame_${this.#nextName++}`;
    const messages = await this.#db.execProtocolStream(concat(
      ...closed.map((statement) => serialize.close({ type: 'S', name: statement.name })),
      serialize.parse({ name, text: sql }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    ), {});
    return { name, parameterTypes: parseDescribeStatementResults(messages), columns: messages.find((m) => m.name === 'rowDescription'), executions: 0 };
  }

  /** As PGlite's `query` writes a parameter: by the serializer of its type, else as text. */
  #write(value: unknown, type: number): string | null {
    if (value === null || value === undefined) return null;
    const write = this.#db.serializers[type];
    return write ? write(value) : String(value);
  }

  async #forgetAll(): Promise<void> {
    if (this.#prepared.size === 0) return;
    this.#prepared.clear();
    await this.#db.exec('DEALLOCATE ALL');
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

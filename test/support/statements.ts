import pg from 'pg';
import { PGliteStatements } from '../../src/db/pglite-statements.ts';

/**
 * Every SQL statement this process sends while watching, as the drivers receive it (pg's clients, and the embedded
 * database's statement runner, which prepares them for PGlite: src/db/pglite-statements.ts): what a flow costs the
 * database, counted the way bench/statements.ts counts it. The statements still
 * run; nothing is answered in the database's place.
 */
export interface StatementLog {
  /** The statements sent since the last `clear`, in order, with white space collapsed. */
  readonly texts: string[];
  clear(): void;
  stop(): void;
}

export function watchStatements(): StatementLog {
  const texts: string[] = [];
  const record = (statement: unknown) => {
    const text = typeof statement === 'string' ? statement : (statement as { text?: unknown } | undefined)?.text;
    if (typeof text === 'string') texts.push(text.replace(/\s+/g, ' ').trim());
  };
  const pgQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function query(this: pg.Client, ...args: unknown[]) {
    record(args[0]);
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pgQuery;
  const embeddedQuery = PGliteStatements.prototype.query;
  PGliteStatements.prototype.query = function query(this: PGliteStatements, ...args: Parameters<PGliteStatements['query']>) {
    record(args[0]);
    return embeddedQuery.apply(this, args);
  } as typeof embeddedQuery;
  return {
    texts,
    clear: () => { texts.length = 0; },
    stop() {
      pg.Client.prototype.query = pgQuery;
      PGliteStatements.prototype.query = embeddedQuery;
    },
  };
}

/** The statements among `texts` that name `table` (quoted or not) after FROM, INTO, UPDATE or JOIN. */
export const touching = (texts: string[], table: string): string[] =>
  texts.filter((text) => new RegExp(`\\b(?:from|into|update|join)\\s+"?${table}"?(?:\\s|$)`, 'i').test(text));

/** The statements among `texts` that write (INSERT, UPDATE, DELETE). */
export const writes = (texts: string[]): string[] => texts.filter((text) => /^(?:insert|update|delete)\b/i.test(text));

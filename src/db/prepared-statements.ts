/**
 * Statements PostgreSQL prepares once per connection (named statements) rather than parsing and planning them on
 * every call: the few that every token, introspection and userinfo request runs. A statement is registered by its
 * text; the pool (src/db/committed-writes.ts) sends a registered text with its name. The embedded database prepares
 * every statement that reads or writes rows by itself (src/db/pglite-statements.ts).
 */
interface Registered {
  name: string;
  /** Whether its arrays can be spelled out: each array parameter is only ever written `$n::type[]`. */
  spellable: boolean;
  /** Its parameters, in order: each a `$n::type[]` array (with its element type) or a plain parameter. */
  parameters: { elementType?: string }[];
  /** Its text with the arrays spelled out, by how many values each holds. */
  spelledOut: Map<number, string>;
}

const registered = new Map<string, Registered>();

/**
 * Up to how many values the arrays of a registered statement are spelled out (see `spelledOut`). A larger batch
 * (many requests in one turn) is planned for its values, which costs as much but is shared by all of them.
 */
const maxSpelledOut = 8;

/** `$n::type[]`, or a plain `$n`. */
const parameterPattern = /\$(\d+)(?:::([a-z][a-z0-9_ ]*)\[\])?/g;

/** Registers `text` as a named statement and returns it unchanged. */
export function prepared(text: string): string {
  if (registered.has(text)) return text;
  const occurrences = [...text.matchAll(parameterPattern)].map(([, number, elementType]) => ({ at: Number(number) - 1, elementType }));
  const parameters: Registered['parameters'] = [];
  for (const { at, elementType } of occurrences) parameters[at] = elementType ? { elementType } : parameters[at] ?? {};
  const spellable = occurrences.every(({ at, elementType }) => elementType === parameters[at]!.elementType);
  registered.set(text, {
    name: `sesame_${registered.size + 1}`, spellable, parameters: Array.from(parameters, (p) => p ?? {}), spelledOut: new Map(),
  });
  return text;
}

/**
 * A registered statement whose arrays hold a few values each, with every array written out element by element:
 * `unnest($1::text[])` becomes `unnest(ARRAY[$1::text, $2::text])` for two values, a statement of its own.
 *
 * PostgreSQL plans a prepared statement for its values five times, then keeps a generic plan only if that is
 * estimated to cost no more; not knowing how many values an array parameter holds, it assumes ten, so the artifact
 * lookups and the consuming upsert, which read rows by the values of arrays, were planned anew on every execution
 * (`pg_prepared_statements`: 3,000 custom plans of 3,000). Planning them cost PostgreSQL more than running them:
 * 400 µs of its CPU per lookup of a token as three models, 100 µs on a generic plan; 270 against 110 µs per
 * consuming upsert. An array written out has a known length, so the generic plan is kept after five executions.
 * The values are those the arrays would hold, so every statement means what it meant.
 */
export function spelledOut(text: string, values: readonly unknown[] | undefined): { text: string; values?: unknown[]; name?: string } {
  const statement = registered.get(text);
  if (!statement) return { text, values: values as unknown[] | undefined };
  const length = statement.spellable ? arraysLength(statement, values) : undefined;
  if (length === undefined) return { text, values: values as unknown[] | undefined, name: statement.name };
  let written = statement.spelledOut.get(length);
  if (!written) {
    written = writeOut(text, statement, length);
    statement.spelledOut.set(length, written);
  }
  const flat = values!.flatMap((value, i) => (statement.parameters[i]?.elementType ? value as unknown[] : [value]));
  return { text: written, values: flat, name: `${statement.name}_${length}` };
}

/** The length every array parameter has, when that is one to `maxSpelledOut`. */
function arraysLength(statement: Registered, values: readonly unknown[] | undefined): number | undefined {
  let length: number | undefined;
  for (const [i, { elementType }] of statement.parameters.entries()) {
    if (!elementType) continue;
    const value = values?.[i];
    if (!Array.isArray(value) || (length !== undefined && value.length !== length)) return undefined;
    length = value.length;
  }
  return length !== undefined && length >= 1 && length <= maxSpelledOut ? length : undefined;
}

/** The statement's text with each array parameter spelled out as `length` parameters, numbered in order. */
function writeOut(text: string, statement: Registered, length: number): string {
  const first: number[] = [];
  let next = 1;
  for (const { elementType } of statement.parameters) {
    first.push(next);
    next += elementType ? length : 1;
  }
  return text.replace(parameterPattern, (_, number: string, elementType: string | undefined) => {
    const start = first[Number(number) - 1]!;
    if (!elementType) return `$${start}`;
    return `ARRAY[${Array.from({ length }, (_, i) => `$${start + i}::${elementType}`).join(', ')}]`;
  });
}

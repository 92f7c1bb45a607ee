/**
 * Statements PostgreSQL prepares once per connection (named statements) rather than parsing and planning them on
 * every call: the few that every token, introspection and userinfo request runs. A statement is registered by its
 * text; the pool (src/db/committed-writes.ts) sends a registered text with its name. The embedded database prepares
 * every statement that reads or writes rows by itself (src/db/pglite-statements.ts).
 */
const names = new Map<string, string>();

/** Registers `text` as a named statement and returns it unchanged. */
export function prepared(text: string): string {
  if (!names.has(text)) names.set(text, `sesame_${names.size + 1}`);
  return text;
}

/** What pg's `client.query` takes: the text with its name when it is registered, the plain text otherwise. */
export function queryConfig(text: string, values: readonly unknown[] | undefined): { text: string; values?: unknown[]; name?: string } {
  return { text, values: values as unknown[] | undefined, name: names.get(text) };
}

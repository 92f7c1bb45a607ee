/**
 * PostgreSQL text cannot hold a NUL character; a query parameter with one fails as a whole. A value that
 * contains one therefore matches no stored row, and lookups answer "not found" without asking the database.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

// What JSON.stringify writes for a NUL or a lone surrogate (it writes paired surrogates as they are).
const unreadableEscape = /\\u(?:0000|d[89a-f])/;
// Escapes from left to right, an escaped backslash as one, so `\\u0000` (a backslash, then text) is left alone.
const escapeToMend = /\\(\\|u0000|ud[89a-f][0-9a-f]{2})/g;

/**
 * JSON that every reader can take, for json and jsonb columns alike: PostgreSQL cannot turn `\u0000` or a lone
 * surrogate into text (a jsonb column refuses them outright, and SQL reading into a json payload fails on them).
 * Both become U+FFFD, in names and values alike; the common case costs one scan.
 */
export function readableJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!unreadableEscape.test(json)) return json;
  return json.replace(escapeToMend, (escape, body: string) => (body === '\\' ? escape : '\\ufffd'));
}

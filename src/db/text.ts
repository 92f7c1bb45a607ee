/**
 * PostgreSQL text cannot hold a NUL character; a query parameter with one fails as a whole. A value that
 * contains one therefore matches no stored row, and lookups answer "not found" without asking the database.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

/** JSON for a jsonb column, which cannot hold NUL either: for records kept for people (audit details), a NUL becomes U+FFFD. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));
}

// What JSON.stringify writes for a NUL or a lone surrogate (it writes paired surrogates as they are).
const unreadableEscape = /\\u(?:0000|d[89a-f])/;
// Escapes from left to right, an escaped backslash as one, so `\\u0000` (a backslash, then text) is left alone.
const escapeToMend = /\\(\\|u0000|ud[89a-f][0-9a-f]{2})/g;

/**
 * JSON for a json column that every reader can take: PostgreSQL cannot turn `\u0000` or a lone surrogate into
 * text, so any SQL that reads into such a payload fails on it. Both become U+FFFD, in names and values alike; the
 * common case costs one scan.
 */
export function readableJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!unreadableEscape.test(json)) return json;
  return json.replace(escapeToMend, (escape, body: string) => (body === '\\' ? escape : '\\ufffd'));
}

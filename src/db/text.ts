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

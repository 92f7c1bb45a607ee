/** Plain-text shapes of CLI results: a tab-separated table, or one `key: value` line per field. */

const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? ''));

export function table(rows: Record<string, unknown>[]): string {
  const header = rows[0] ? [Object.keys(rows[0]).join('\t')] : [];
  return [...header, ...rows.map((row) => Object.values(row).map(cell).join('\t'))].join('\n');
}

export function fields(row: Record<string, unknown>): string {
  return Object.entries(row).map(([key, value]) => `${key}: ${cell(value)}`).join('\n');
}

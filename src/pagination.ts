import { ServiceError } from './errors.ts';

/** A position in a newest-first list: the last row of the previous page. */
export interface Cursor {
  createdAt: string;
  id: string;
}

/** Opaque to callers; it only names the last row seen, so pages stay stable while rows are added. */
export function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // reported below
  }
  throw new ServiceError('request.invalid_cursor', 'the cursor is not one this API returned', 400, [
    { pointer: '/cursor', detail: 'not a cursor this API returned' },
  ]);
}

/** Escapes LIKE wildcards so a search is a plain, case-insensitive substring match. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface PageRequest {
  limit: number;
  offset?: number;
  cursor?: string;
}

/** Whether rows follow this page, and the cursor that fetches them. */
export function nextCursor(rows: { created_at: Date; id: string }[], page: PageRequest, total: number): string | undefined {
  const last = rows.at(-1);
  if (!last || rows.length < page.limit) return undefined;
  if (!page.cursor && (page.offset ?? 0) + rows.length >= total) return undefined;
  return encodeCursor(last);
}

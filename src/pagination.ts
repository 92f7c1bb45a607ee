import { ServiceError } from './errors.ts';

/** A position in a newest-first list: the last row of the previous page. */
export interface Cursor {
  createdAt: string;
  id: string;
}

/** Opaque to callers; it only names the last row seen (its created_at as PostgreSQL writes it), so pages stay stable while rows are added. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

const timestampText = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;

export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && timestampText.test(createdAt)) return { createdAt, id };
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

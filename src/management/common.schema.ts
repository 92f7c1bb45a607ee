import { z } from 'zod';
import type { PageRequest } from '../pagination.ts';

/** Shapes every Management API domain shares: timestamps, true/false query flags, ids in paths, and paged lists. */

/** An id in a path, labelled for messages (`Client ID`). */
export const idParam = (title: string) => z.string().min(1).max(128).meta({ title });

/** A search text in a query. */
export const searchText = (description: string) => z.string().trim().max(256).optional().meta({ title: 'Search', description });

export const timestamp = z.iso.datetime({ offset: true });

/** A query-string flag: exactly `true` or `false`. */
export const booleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

const limit = z.coerce.number().int().min(1).max(100).default(20).meta({ title: 'Page size', description: 'Page size (1-100)' });

/** Query of a newest-first list, paged by `limit` and `offset`, or by the `cursor` of the previous page. */
export const pageQuery = {
  limit,
  offset: z.coerce.number().int().min(0).max(1_000_000).optional().meta({ title: 'Offset', description: 'Rows to skip; ignored with cursor' }),
  cursor: z.string().max(512).optional().meta({ title: 'Cursor', description: 'next_cursor of the previous page' }),
};

/** Query of a list paged by `limit` and `offset` only. */
export const offsetPageQuery = {
  limit,
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).meta({ title: 'Offset', description: 'Rows to skip' }),
};

export const pageSchema = {
  total: z.number().int().describe('Rows matching the filters, across all pages'),
  limit: z.number().int(),
  offset: z.number().int().optional(),
  next_cursor: z.string().optional().describe('Pass as cursor to get the next page; absent on the last page'),
};

/** A list response of `pageSchema`'s shape: `offset` unless the page was asked for by cursor, `next_cursor` unless it is the last. */
export function toApiPage<T>(data: T[], page: { total: number; nextCursor: string | undefined }, query: PageRequest) {
  return {
    data,
    total: page.total,
    limit: query.limit,
    ...(query.cursor ? {} : { offset: query.offset ?? 0 }),
    ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
  };
}

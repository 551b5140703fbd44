import { AppError } from '#server/platform/errors';

/** An opaque page cursor: the sort time and id of the last row of a page. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** The time and id a cursor of `encodeCursor` carries; 400 naming `cursor` for anything else. */
export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(time ?? '');
  // encodeCursor writes a row's own time: always within PostgreSQL's range (a forged year 0 or
  // 275760 would reach the query and fail there).
  const year = at.getUTCFullYear();
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(year) || year < 1970 || year > 9999) {
    throw new AppError('validation_failed', 'cursor: not a cursor this API gave out', {
      details: {
        errors: [{ in: 'querystring', field: 'cursor', message: 'not a cursor this API gave out' }],
      },
    });
  }
  return { at, id };
}

/**
 * One page of `rows` (fetched with `limit + 1`, newest first) and the cursor of the next page,
 * null when this is the last one.
 */
export function pageOf<T extends { id: string }>(
  rows: readonly T[],
  limit: number,
  sortTime: (row: T) => Date,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    nextCursor: rows.length > limit && last ? encodeCursor(sortTime(last), last.id) : null,
  };
}

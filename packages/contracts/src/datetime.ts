import { z } from 'zod';

const year = (value: string) => new Date(value).getUTCFullYear();

const ZIsoDateTime = z.iso.datetime({ offset: true });
const isoPattern = String((z.toJSONSchema(ZIsoDateTime) as { pattern?: string }).pattern ?? '^.*$');

/**
 * A point in time a client sends (ISO 8601 with an offset), from 1970 to 9999: no Corebase data
 * is older, and PostgreSQL refuses years outside its range (a 500 otherwise). An offset can move
 * 9999-12-31T23:59 into year 10000, so the year is checked after it applies.
 */
export const ZDateTimeInput = ZIsoDateTime.max(64)
  // A value that is no date at all has its own issue already.
  .refine((value) => Number.isNaN(year(value)) || (year(value) >= 1970 && year(value) <= 9999), {
    message: 'a date between 1970 and 9999',
  })
  .meta({
    description: 'ISO 8601 with an offset, such as 2026-01-31T09:00:00Z; a year from 1970 to 9999.',
    // What JSON Schema readers (the OpenAPI document, fuzzers) can check of the year: a
    // look-ahead in front of zod's own pattern.
    pattern: `^(?=(?:19[7-9]\\d|[2-9]\\d{3})-)${isoPattern.replace(/^\^/, '')}`,
  });

import { z } from 'zod';

const year = (value: string) => new Date(value).getUTCFullYear();

/**
 * A point in time a client sends (ISO 8601 with an offset), from 1970 to 9999: no Corebase data
 * is older, and PostgreSQL refuses years outside its range (a 500 otherwise). An offset can move
 * 9999-12-31T23:59 into year 10000, so the year is checked after it applies.
 */
export const ZDateTimeInput = z.iso
  .datetime({ offset: true })
  .max(64)
  // A value that is no date at all has its own issue already.
  .refine((value) => Number.isNaN(year(value)) || (year(value) >= 1970 && year(value) <= 9999), {
    message: 'a date between 1970 and 9999',
  });

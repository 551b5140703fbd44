import { DateTime } from 'luxon';

/**
 * A real time zone where it is 07:xx now, and its coming 08:00: a digest due "in the person's
 * morning" that is still ahead of now, whatever time the suite runs (some zone always has it).
 */
export function comingMorning(hour = 8): { timeZone: string; at: (minute?: number) => Date } {
  const now = DateTime.now();
  const timeZone = Intl.supportedValuesOf('timeZone').find(
    (zone) => now.setZone(zone).hour === hour - 1,
  );
  if (!timeZone) throw new Error(`no time zone has ${hour - 1}:xx now`);
  const start = now.setZone(timeZone).plus({ hours: 1 }).startOf('hour');
  return { timeZone, at: (minute = 0) => start.plus({ minutes: minute }).toJSDate() };
}

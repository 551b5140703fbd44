import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { dueDigestDate, nextDigestAt } from '#server/modules/notifications/notifications.digest';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const candidate = (timeZone: string, hour: number, lastSentAt: Date | null = null) => ({
  userId: '00000000-0000-7000-8000-000000000000',
  email: 'a@example.com',
  name: 'A',
  timeZone,
  hour,
  lastSentAt,
});

describe('digest timing', () => {
  it('is due during its hour in the person’s zone, once that local day', () => {
    const zone = 'Asia/Kolkata'; // +05:30: the hour starts at :30 UTC
    expect(dueDigestDate(at('2026-12-01T07:45', zone), candidate(zone, 8))).toBeUndefined();
    expect(dueDigestDate(at('2026-12-01T08:00', zone), candidate(zone, 8))).toBe('2026-12-01');
    expect(dueDigestDate(at('2026-12-01T08:45', zone), candidate(zone, 8))).toBe('2026-12-01');
    expect(dueDigestDate(at('2026-12-01T09:00', zone), candidate(zone, 8))).toBeUndefined();
    const sent = at('2026-12-01T08:00', zone);
    expect(dueDigestDate(at('2026-12-01T08:15', zone), candidate(zone, 8, sent))).toBeUndefined();
    expect(dueDigestDate(at('2026-12-02T08:00', zone), candidate(zone, 8, sent))).toBe(
      '2026-12-02',
    );
  });

  it('on a day the clocks skip its hour, goes in the first real hour after it', () => {
    const zone = 'Europe/Paris'; // 2026-03-29: 02:00 → 03:00
    const skipped = candidate(zone, 2);
    expect(dueDigestDate(new Date('2026-03-29T01:00:00Z'), skipped)).toBe('2026-03-29'); // 03:00
    expect(dueDigestDate(new Date('2026-03-29T00:45:00Z'), skipped)).toBeUndefined(); // 01:45
    expect(nextDigestAt(new Date('2026-03-29T00:30:00Z'), { ...skipped, timeZone: zone })).toEqual(
      new Date('2026-03-29T01:00:00Z'),
    );
  });

  it('on a day its hour comes twice, goes once', () => {
    const zone = 'Europe/Paris'; // 2026-10-25: 03:00 → 02:00
    const first = new Date('2026-10-25T00:15:00Z'); // 02:15 +02:00
    expect(dueDigestDate(first, candidate(zone, 2))).toBe('2026-10-25');
    const again = new Date('2026-10-25T01:15:00Z'); // 02:15 +01:00
    expect(dueDigestDate(again, candidate(zone, 2, first))).toBeUndefined();
  });

  it('says when the next one goes: today’s hour, the next sweep within it, or tomorrow', () => {
    const zone = 'America/New_York';
    const settings = { hour: 8, timeZone: zone, lastSentAt: null };
    expect(nextDigestAt(at('2026-12-01T06:10', zone), settings)).toEqual(
      at('2026-12-01T08:00', zone),
    );
    expect(nextDigestAt(at('2026-12-01T08:05', zone), settings)).toEqual(
      at('2026-12-01T08:15', zone),
    );
    expect(nextDigestAt(at('2026-12-01T09:10', zone), settings)).toEqual(
      at('2026-12-02T08:00', zone),
    );
    const sent = { ...settings, lastSentAt: at('2026-12-01T08:00', zone) };
    expect(nextDigestAt(at('2026-12-01T08:20', zone), sent)).toEqual(at('2026-12-02T08:00', zone));
  });
});

import { describe, expect, it } from 'vitest';

import { digestBody, digestHours, formatInZone, timeZoneOptions } from '@/lib/digest';

describe('digestHours', () => {
  it('offers every hour from 00:00 to 23:00', () => {
    expect(digestHours).toHaveLength(24);
    expect(digestHours[0]).toEqual({ value: 0, label: '00:00' });
    expect(digestHours[23]).toEqual({ value: 23, label: '23:00' });
  });
});

describe('timeZoneOptions', () => {
  it('adds UTC first and the zones named, each once, the rest in order', () => {
    expect(
      timeZoneOptions(['Europe/Paris', 'Asia/Tokyo'], ['Asia/Calcutta', null, 'Europe/Paris']),
    ).toEqual(['UTC', 'Asia/Calcutta', 'Asia/Tokyo', 'Europe/Paris']);
  });
});

describe('formatInZone', () => {
  it('reads the moment in the zone, 24-hour, with the zone named', () => {
    const text = formatInZone('2026-06-02T05:00:00.000Z', 'Europe/Paris', 'en-US');
    expect(text).toContain('07:00');
    expect(text).toContain('June 2');
    expect(text).toMatch(/\(Europe\/Paris\)$/);
    expect(formatInZone('2026-06-02T05:00:00.000Z', 'Asia/Tokyo', 'en-US')).toContain('14:00');
  });

  it("falls back to the browser's time for a zone it does not know", () => {
    expect(formatInZone('2026-06-02T05:00:00.000Z', 'Mars/Olympus', 'en-US')).toMatch(
      /\(your browser's time\)$/,
    );
  });
});

describe('digestBody', () => {
  it('sends the form as it is, and refuses a zone that is not one', () => {
    expect(digestBody({ enabled: true, hour: 7, timeZone: 'Europe/Paris' })).toEqual({
      enabled: true,
      hour: 7,
      timeZone: 'Europe/Paris',
    });
    expect(digestBody({ enabled: true, hour: 7, timeZone: 'Mars/Olympus' })).toBeNull();
  });
});

import { isTimeZone, ZUpdateDigestBody, type TUpdateDigestBody } from '@corebase/contracts';

/** The hours a digest can go out at, as the select offers them: 00:00 to 23:00. */
export const digestHours = Array.from({ length: 24 }, (_, hour) => ({
  value: hour,
  label: `${String(hour).padStart(2, '0')}:00`,
}));

/** What the browser says it runs in, or null when it says nothing usable. */
export function browserTimeZone(): string | null {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isTimeZone(zone) ? zone : null;
}

/**
 * The zones the select offers: the runtime's IANA list, plus UTC (the server's default, which
 * `Intl.supportedValuesOf` leaves out) and any zone named in `also` (the saved one, the
 * browser's), which may be an alias such as Asia/Calcutta that the list spells otherwise.
 */
export function timeZoneOptions(
  supported: readonly string[],
  also: readonly (string | null)[],
): string[] {
  const zones = new Set(supported);
  zones.add('UTC');
  for (const zone of also) if (zone) zones.add(zone);
  return [...zones].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

/** `Intl.supportedValuesOf('timeZone')` where the browser has it (older ones do not). */
export function supportedTimeZones(): string[] {
  return typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
}

/**
 * A moment as the person reads it in `timeZone`, with the zone named: "Tuesday, June 3 at 07:00
 * (Europe/Paris)". 24-hour, like the hour select.
 */
export function formatInZone(iso: string, timeZone: string, locale?: string): string {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  };
  const date = new Date(iso);
  try {
    return `${new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date)} (${timeZone})`;
  } catch {
    // A zone this browser does not know: its own time, said so.
    return `${new Intl.DateTimeFormat(locale, options).format(date)} (your browser's time)`;
  }
}

export type TDigestForm = { enabled: boolean; hour: number; timeZone: string };

/** The PUT body for the form as shown, checked with the contract; null when it would be refused. */
export function digestBody(form: TDigestForm): TUpdateDigestBody | null {
  const parsed = ZUpdateDigestBody.safeParse(form);
  return parsed.success ? parsed.data : null;
}

import type { TImpersonation } from '@corebase/contracts';
import { describe, expect, it } from 'vitest';

import {
  endedHow,
  formatRemaining,
  formatUtcTime,
  parseStartImpersonation,
  personLabel,
  sessionImpersonationOf,
  startFieldErrors,
} from './impersonation';

const userId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const adminId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

describe('sessionImpersonationOf', () => {
  const impersonation = {
    id: userId,
    by: { id: adminId, name: 'Ada', email: 'ada@example.test' },
    reason: 'Ticket 42',
    startedAt: '2026-01-01T10:00:00.000Z',
    expiresAt: '2026-01-01T10:30:00.000Z',
  };

  it('reads what the session answer adds while impersonating', () => {
    expect(sessionImpersonationOf({ user: {}, session: {}, impersonation })).toEqual(impersonation);
  });

  it('is null without one, or with something that is not one', () => {
    expect(sessionImpersonationOf({ user: {}, session: {} })).toBeNull();
    expect(sessionImpersonationOf(null)).toBeNull();
    expect(sessionImpersonationOf({ impersonation: { id: 'x' } })).toBeNull();
  });
});

describe('the banner', () => {
  it('counts down as a clock reads, never below zero', () => {
    expect(formatRemaining(29 * 60_000 + 41_000)).toBe('29:41');
    expect(formatRemaining(60 * 60_000)).toBe('1:00:00');
    expect(formatRemaining(500)).toBe('0:01');
    expect(formatRemaining(-5_000)).toBe('0:00');
  });

  it('names the end in UTC on its first paint', () => {
    expect(formatUtcTime('2026-01-01T09:05:00.000Z')).toBe('09:05 UTC');
  });

  it('names a person by name, else address, else the fallback', () => {
    expect(personLabel({ name: 'Ada', email: 'a@x.test' })).toBe('Ada');
    expect(personLabel({ name: ' ', email: 'a@x.test' })).toBe('a@x.test');
    expect(personLabel({ name: null, email: null }, 'a superadmin')).toBe('a superadmin');
  });
});

describe('endedHow', () => {
  const base: TImpersonation = {
    id: userId,
    admin: { id: adminId, name: 'Ada', email: 'ada@example.test' },
    user: { id: userId, name: 'Bob', email: 'bob@example.test' },
    reason: 'Ticket 42',
    startedAt: '2026-01-01T10:00:00.000Z',
    expiresAt: '2026-01-01T10:30:00.000Z',
    active: false,
    endedAt: '2026-01-01T10:10:00.000Z',
    endReason: 'stopped',
    endedBy: adminId,
  };

  it('says who stopped it, from the reader’s side', () => {
    expect(endedHow(base, adminId)).toBe('Stopped by you');
    expect(endedHow(base, 'someone-else')).toBe('Stopped by Ada');
    expect(endedHow({ ...base, endedBy: 'another' }, 'someone-else')).toBe(
      'Ended by another superadmin',
    );
  });

  it('tells an expiry from a session that went', () => {
    expect(endedHow({ ...base, endReason: 'expired', endedBy: null }, adminId)).toBe('Expired');
    expect(endedHow({ ...base, endReason: 'session_ended', endedBy: null }, adminId)).toMatch(
      /session ended/,
    );
  });
});

describe('parseStartImpersonation', () => {
  it('gives the body the API takes, the default length when none is given', () => {
    expect(parseStartImpersonation({ userId, reason: ' Ticket 42 ', minutes: '' })).toEqual({
      ok: true,
      body: { userId, reason: 'Ticket 42', minutes: 30 },
    });
    expect(parseStartImpersonation({ userId, reason: 'Ticket 42', minutes: '60' })).toMatchObject({
      ok: true,
      body: { minutes: 60 },
    });
  });

  it.each([
    ['no user', { userId: '', reason: 'Ticket 42', minutes: '30' }, 'userId'],
    ['a user id that is not one', { userId: 'bob', reason: 'Ticket 42', minutes: '30' }, 'userId'],
    ['a reason too short', { userId, reason: ' ab ', minutes: '30' }, 'reason'],
    ['a reason too long', { userId, reason: 'x'.repeat(501), minutes: '30' }, 'reason'],
    ['more than an hour', { userId, reason: 'Ticket 42', minutes: '61' }, 'minutes'],
    ['no minutes at all', { userId, reason: 'Ticket 42', minutes: '0' }, 'minutes'],
    ['a fraction', { userId, reason: 'Ticket 42', minutes: '1.5' }, 'minutes'],
  ])('refuses %s, naming the field', (_label, input, field) => {
    const parsed = parseStartImpersonation(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(Object.keys(parsed.errors)).toEqual([field]);
  });

  it('maps the server’s field errors onto the form', () => {
    const errors = startFieldErrors([
      { in: 'body', field: 'reason', message: 'say why' },
      { in: 'querystring', field: 'minutes', message: 'not this one' },
    ]);
    expect(Object.keys(errors)).toEqual(['reason']);
    expect(errors.reason).toMatch(/Say why/);
    expect(startFieldErrors(undefined)).toEqual({});
  });
});

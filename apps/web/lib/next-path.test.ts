import { describe, expect, it } from 'vitest';

import { safeNextPath, withNext } from './next-path';

describe('safeNextPath', () => {
  it('keeps a path on this site with its query and fragment', () => {
    expect(safeNextPath('/invitations/0190a1b2')).toBe('/invitations/0190a1b2');
    expect(safeNextPath('/organization?tab=members#invite')).toBe(
      '/organization?tab=members#invite',
    );
  });

  it.each([
    ['a protocol-relative URL', '//evil.example/x'],
    ['a backslash variant of it', '/\\evil.example'],
    ['an absolute URL', 'https://evil.example/'],
    ['a script URL', 'javascript:alert(1)'],
    ['a relative path', 'account'],
    ['a tab smuggled in', '/\t/evil.example'],
    ['a newline', '/ok\n'],
    ['an empty value', ''],
  ])('refuses %s', (_name, value) => {
    expect(safeNextPath(value)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(safeNextPath(undefined)).toBeNull();
    expect(safeNextPath(['/a', '/b'])).toBeNull();
  });
});

describe('withNext', () => {
  it('adds the next path, encoded, or leaves the path alone', () => {
    expect(withNext('/sign-in', '/invitations/1?x=2')).toBe(
      '/sign-in?next=%2Finvitations%2F1%3Fx%3D2',
    );
    expect(withNext('/sign-in?reset=1', '/a')).toBe('/sign-in?reset=1&next=%2Fa');
    expect(withNext('/sign-in', null)).toBe('/sign-in');
  });
});

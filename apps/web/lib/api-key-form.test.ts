import { describe, expect, it } from 'vitest';

import { parseCreateApiKey } from './api-key-form';

describe('parseCreateApiKey', () => {
  it('sends a trimmed name, the permissions and no expiry when none is given', () => {
    expect(
      parseCreateApiKey({ name: '  CI  ', permissions: ['organization:read'], expiresInDays: '' }),
    ).toEqual({ ok: true, body: { name: 'CI', permissions: ['organization:read'] } });
  });

  it('sends the expiry as a number of days', () => {
    const parsed = parseCreateApiKey({
      name: 'CI',
      permissions: ['companies:read'],
      expiresInDays: ' 30 ',
    });
    expect(parsed).toEqual({
      ok: true,
      body: { name: 'CI', permissions: ['companies:read'], expiresInDays: 30 },
    });
  });

  it('names each field that is wrong', () => {
    const parsed = parseCreateApiKey({ name: ' ', permissions: [], expiresInDays: '1.5' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual(['expiresInDays', 'name', 'permissions']);
  });

  it('refuses an expiry outside 1 to 3650 days', () => {
    for (const expiresInDays of ['0', '3651', '-3', 'soon']) {
      const parsed = parseCreateApiKey({ name: 'CI', permissions: ['audit:read'], expiresInDays });
      expect(parsed.ok ? null : parsed.errors.expiresInDays).toBeTruthy();
    }
  });
});

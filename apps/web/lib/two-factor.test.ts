import { describe, expect, it } from 'vitest';

import {
  asksForSecondFactor,
  backupCodesFile,
  groupSecret,
  normalizeBackupCode,
  normalizeTotpCode,
  totpCodeProblem,
  totpSecretOf,
} from './two-factor';

describe('asksForSecondFactor', () => {
  it('tells a challenge from a finished sign-in', () => {
    expect(asksForSecondFactor({ twoFactorRedirect: true, twoFactorMethods: ['totp'] })).toBe(true);
    expect(asksForSecondFactor({ redirect: false, token: 't', user: {} })).toBe(false);
    expect(asksForSecondFactor({ twoFactorRedirect: 'true' })).toBe(false);
    expect(asksForSecondFactor(null)).toBe(false);
  });
});

describe('authenticator codes', () => {
  it('accepts a code pasted with the spaces or dash apps show', () => {
    expect(normalizeTotpCode(' 123 456 ')).toBe('123456');
    expect(normalizeTotpCode('123-456')).toBe('123456');
    expect(totpCodeProblem(normalizeTotpCode('123 456'))).toBeNull();
  });

  it.each([
    ['nothing', '', /Enter the 6-digit code/],
    ['too few digits', '12345', /6 digits/],
    ['too many digits', '1234567', /6 digits/],
    ['letters', '12a456', /6 digits/],
  ])('refuses %s before sending', (_label, code, sentence) => {
    expect(totpCodeProblem(code)).toMatch(sentence);
  });

  it('keeps a backup code as typed, but for the outer spaces', () => {
    expect(normalizeBackupCode('  abcde-FGHIJ \n')).toBe('abcde-FGHIJ');
  });
});

describe('totpSecretOf', () => {
  it('reads the base32 secret of an otpauth URI', () => {
    expect(
      totpSecretOf('otpauth://totp/Corebase:ada%40example.com?secret=jbswy3dpehpk3pxp&issuer=C'),
    ).toBe('JBSWY3DPEHPK3PXP');
  });

  it.each([
    ['no secret', 'otpauth://totp/Corebase:ada?issuer=Corebase'],
    ['a secret that is not base32', 'otpauth://totp/x?secret=abc189'],
    ['no URI at all', 'not a uri'],
  ])('gives null for %s', (_label, uri) => {
    expect(totpSecretOf(uri)).toBeNull();
  });

  it('groups the secret by four for reading', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPAB')).toBe('JBSW Y3DP EHPK 3PXP AB');
    expect(groupSecret('')).toBe('');
  });
});

describe('backupCodesFile', () => {
  it('lists every code, one a line, under whose they are', () => {
    const text = backupCodesFile(['aaaaa-bbbbb', 'ccccc-ddddd'], 'ada@example.com', new Date(0));
    expect(text).toContain('Account: ada@example.com');
    expect(text).toContain('Created: 1970-01-01');
    expect(text.split('\n')).toEqual(expect.arrayContaining(['aaaaa-bbbbb', 'ccccc-ddddd']));
  });
});

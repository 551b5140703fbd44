import { describe, expect, it } from 'vitest';

import {
  parseProviders,
  parseSignInMethods,
  providerErrorMessage,
  providerLabel,
  providerRedirectOf,
  unlinkRefusalMessage,
} from './sign-in-providers';

describe('parseProviders', () => {
  it('keeps the well-formed entries of the answer', () => {
    expect(
      parseProviders({
        password: true,
        providers: [
          { id: 'google', name: 'Google', type: 'oauth' },
          { id: 'acme', name: 'Acme SSO', type: 'oidc' },
          { id: 'odd', name: 'Odd', type: 'saml' },
          { name: 'No id', type: 'oidc' },
        ],
      }),
    ).toEqual([
      { id: 'google', name: 'Google', type: 'oauth' },
      { id: 'acme', name: 'Acme SSO', type: 'oidc' },
    ]);
    expect(parseProviders(null)).toEqual([]);
    expect(parseProviders({ providers: 'none' })).toEqual([]);
  });
});

describe('providerLabel', () => {
  const providers = [{ id: 'acme', name: 'Acme SSO', type: 'oidc' as const }];
  it('names Google and GitHub as people know them, others by their configured name', () => {
    expect(providerLabel('github', [])).toBe('GitHub');
    expect(providerLabel('acme', providers)).toBe('Acme SSO');
    // No longer configured: still listed, by its id.
    expect(providerLabel('gone', providers)).toBe('gone');
  });
});

describe('parseSignInMethods', () => {
  it('reads the rows oldest first and drops malformed ones', () => {
    const methods = parseSignInMethods([
      { id: 'b', providerId: 'acme', accountId: 'x', createdAt: '2026-03-02T10:00:00.000Z' },
      { id: 'a', providerId: 'credential', accountId: 'y', createdAt: '2026-01-01T10:00:00.000Z' },
      { providerId: 'broken' },
    ]);
    expect(methods.map((m) => m.id)).toEqual(['a', 'b']);
    expect(methods[0]?.createdAt.toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(parseSignInMethods({ not: 'a list' })).toEqual([]);
  });
});

describe('providerRedirectOf', () => {
  it('follows only http(s) addresses', () => {
    expect(providerRedirectOf({ url: 'https://idp.example/authorize?x=1', redirect: true })).toBe(
      'https://idp.example/authorize?x=1',
    );
    expect(providerRedirectOf({ url: 'javascript:alert(1)' })).toBeNull();
    expect(providerRedirectOf({ redirect: true })).toBeNull();
  });
});

describe('providerErrorMessage', () => {
  it('explains the known codes, naming the provider', () => {
    expect(providerErrorMessage('account_not_linked', 'Acme SSO')).toBe(
      'This address already has an account here. Sign in with your password, then connect Acme SSO from your account page.',
    );
    expect(providerErrorMessage('STATE_MISMATCH', 'Google')).toMatch(/took too long/);
    expect(providerErrorMessage('email_does_not_match', 'GitHub', 'connect')).toMatch(
      /different email address/,
    );
    expect(providerErrorMessage('access_denied', 'Google', 'connect')).toBe(
      'Connecting Google was cancelled. Nothing changed.',
    );
  });

  it('falls back to a generic sentence, showing the code only when it is a plain word', () => {
    expect(providerErrorMessage('server_exploded', 'Acme SSO')).toBe(
      'Signing in with Acme SSO did not work (server_exploded). Try again, or sign in another way.',
    );
    expect(providerErrorMessage('Call +1 555 0100 to unlock', null)).toBe(
      'That sign-in did not work. Try again, or sign in another way.',
    );
  });
});

describe('unlinkRefusalMessage', () => {
  it('explains the refusal of the last way to sign in', () => {
    expect(unlinkRefusalMessage('failed_to_unlink_last_account', 'x')).toBe(
      'This is your only way to sign in: add a password or another provider first.',
    );
    expect(unlinkRefusalMessage(undefined, 'The server said no.')).toBe('The server said no.');
  });
});

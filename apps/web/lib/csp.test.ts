import { describe, expect, it } from 'vitest';

import { buildContentSecurityPolicy, createNonce, isHttpsRequest } from './csp';

function directive(policy: string, name: string): string | undefined {
  return policy
    .split(';')
    .map((part) => part.trim())
    .find((part) => part === name || part.startsWith(`${name} `));
}

describe('buildContentSecurityPolicy', () => {
  it('puts the nonce and strict-dynamic in script-src', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'abc123==', https: false });
    expect(directive(policy, 'script-src')).toBe(
      "script-src 'self' 'nonce-abc123==' 'strict-dynamic'",
    );
  });

  it('adds upgrade-insecure-requests over https', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'n', https: true });
    expect(directive(policy, 'upgrade-insecure-requests')).toBeDefined();
  });

  it('leaves upgrade-insecure-requests out over http', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'n', https: false });
    expect(policy).not.toContain('upgrade-insecure-requests');
  });

  it('locks down framing, objects, base and forms', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'n', https: false });
    expect(directive(policy, 'frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directive(policy, 'object-src')).toBe("object-src 'none'");
    expect(directive(policy, 'base-uri')).toBe("base-uri 'self'");
    expect(directive(policy, 'form-action')).toBe("form-action 'self'");
    expect(directive(policy, 'connect-src')).toBe("connect-src 'self'");
    expect(directive(policy, 'img-src')).toBe("img-src 'self' data: blob:");
    expect(directive(policy, 'font-src')).toBe("font-src 'self'");
  });

  it('keeps style-src free of a nonce so unsafe-inline stays effective', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'n', https: false });
    expect(directive(policy, 'style-src')).toBe("style-src 'self' 'unsafe-inline'");
  });

  it('allows unsafe-eval only in development', () => {
    expect(buildContentSecurityPolicy({ nonce: 'n', https: false })).not.toContain('unsafe-eval');
    expect(buildContentSecurityPolicy({ nonce: 'n', https: false, dev: true })).toContain(
      "'unsafe-eval'",
    );
  });

  it('produces a single header line', () => {
    const policy = buildContentSecurityPolicy({ nonce: 'n', https: true });
    expect(policy).not.toMatch(/[\r\n]/);
  });
});

describe('createNonce', () => {
  it('returns a fresh base64 value of 128 bits each time', () => {
    const a = createNonce();
    const b = createNonce();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe('isHttpsRequest', () => {
  it('reads the URL scheme', () => {
    expect(isHttpsRequest(new URL('https://example.com/'), null)).toBe(true);
    expect(isHttpsRequest(new URL('http://localhost:3000/'), null)).toBe(false);
  });

  it('prefers the first X-Forwarded-Proto value', () => {
    expect(isHttpsRequest(new URL('http://10.0.0.1/'), 'https, http')).toBe(true);
    expect(isHttpsRequest(new URL('https://example.com/'), 'http')).toBe(false);
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a cookie-authenticated client without an Origin header sends its CSRF token in. */
export const csrfHeader = 'x-csrf-token';

/**
 * The CSRF token of a session: an HMAC of its id, so nothing is stored and every process agrees.
 * Another site cannot read it (same-origin policy), so a request carrying it came from a page of
 * ours or from a client that holds the session itself.
 */
export function csrfTokenFor(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

export function isValidCsrfToken(secret: string, sessionId: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

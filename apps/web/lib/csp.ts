export type CspOptions = {
  /** Per-request random value; Next.js reads it back from the request's CSP header. */
  nonce: string;
  /** Adds `upgrade-insecure-requests`; on plain http it would break a local install. */
  https: boolean;
  /** `next dev` needs `'unsafe-eval'` to rebuild server error stacks in the browser. */
  dev?: boolean;
};

/**
 * Builds the Content-Security-Policy for a page response, after the Next.js CSP guide.
 * `style-src` keeps `'unsafe-inline'` without a nonce: Next.js and next-themes inject style
 * elements, and a nonce in the same directive would make browsers ignore `'unsafe-inline'`.
 */
export function buildContentSecurityPolicy({ nonce, https, dev = false }: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    [
      'script-src',
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(dev ? ["'unsafe-eval'"] : []),
    ],
    ['style-src', "'self'", "'unsafe-inline'"],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'"],
    ['connect-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
  ];
  if (https) directives.push(['upgrade-insecure-requests']);
  return directives.map((parts) => parts.join(' ')).join('; ');
}

/** A base64 nonce from 128 random bits (CSP asks for at least 128). */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Whether the browser reached us over https. Behind a TLS-terminating proxy the request
 * itself is http, so the first `X-Forwarded-Proto` value wins when present.
 */
export function isHttpsRequest(url: URL, forwardedProto: string | null): boolean {
  const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase();
  if (proto) return proto === 'https';
  return url.protocol === 'https:';
}

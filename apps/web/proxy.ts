import { NextResponse, type NextRequest } from 'next/server';

import { buildContentSecurityPolicy, createNonce, isHttpsRequest } from '@/lib/csp';

/**
 * Gives every page a fresh nonce-based Content-Security-Policy (Next.js CSP guide). Next.js
 * reads the nonce back from the request's CSP header and stamps it on its own scripts; the
 * layout reads `x-nonce` for next-themes' inline script.
 */
export function proxy(request: NextRequest) {
  const nonce = createNonce();
  const policy = buildContentSecurityPolicy({
    nonce,
    https: isHttpsRequest(request.nextUrl, request.headers.get('x-forwarded-proto')),
    dev: process.env.NODE_ENV === 'development',
  });

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', policy);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  matcher: [
    {
      source: '/((?!_next/static|_next/image|favicon.ico).*)',
      // Prefetches of next/link get no HTML shell of their own, so they need no policy.
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};

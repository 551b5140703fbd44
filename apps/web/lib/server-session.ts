import { cookies, headers } from 'next/headers';

import type { TSession } from '@/lib/api';
import { keptSessionCookieNames } from '@/lib/impersonation';

/**
 * Where this Next.js server reaches the API: the server's own PUBLIC_URL (the web role runs in
 * the same process, or with the same environment when the roles are split, where the load
 * balancer routes /v1 to the API), else the default the server derives from PORT.
 */
function apiOrigin(): string {
  const publicUrl = process.env.PUBLIC_URL?.trim().replace(/\/+$/, '');
  return publicUrl || `http://localhost:${process.env.PORT?.trim() || '3000'}`;
}

export type TServerSession =
  { kind: 'signed-in'; session: TSession } | { kind: 'signed-out' } | { kind: 'unreachable' };

/**
 * The caller's session, read on the server with the browser's cookies (for pages that must know
 * before they render). `disableRefresh`: a refreshed cookie set here would never reach the
 * browser, so the session is left for the browser's own requests to extend.
 */
export async function fetchServerSession(): Promise<TServerSession> {
  // As the browser sent it: values stay encoded exactly as the server signed them.
  const cookie = (await headers()).get('cookie') ?? '';
  if (cookie === '') return { kind: 'signed-out' };
  try {
    const response = await fetch(`${apiOrigin()}/v1/auth/get-session?disableRefresh=true`, {
      headers: { cookie, accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return { kind: 'unreachable' };
    const session = (await response.json()) as TSession | null;
    return session ? { kind: 'signed-in', session } : { kind: 'signed-out' };
  } catch {
    return { kind: 'unreachable' };
  }
}

/** Whether this browser keeps a superadmin's own session aside, i.e. may be impersonating. */
export async function holdsKeptSession(): Promise<boolean> {
  const jar = await cookies();
  return keptSessionCookieNames.some((name) => jar.has(name));
}

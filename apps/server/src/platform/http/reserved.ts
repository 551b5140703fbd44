/**
 * Paths the server answers itself; the web app gets every other path. On these, every error is
 * problem+json (never a Next.js HTML page).
 */
export const reservedPrefixes = [
  '/v1',
  '/graphql',
  '/socket.io',
  '/health',
  '/metrics',
  '/docs',
  '/.well-known',
  '/ops',
] as const;

export function isReservedPath(url: string): boolean {
  const pathname = url.split('?', 1)[0] ?? '';
  return reservedPrefixes.some(
    (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
}

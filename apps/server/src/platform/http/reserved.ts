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

/**
 * Decided on the decoded path, as the router sees it: `/%761/meta` is `/v1/meta`, and must get
 * the API's headers, not slip past them.
 */
export function isReservedPath(url: string): boolean {
  const raw = url.split('?', 1)[0] ?? '';
  let pathname = raw;
  try {
    pathname = decodeURIComponent(raw);
  } catch {
    // Malformed escapes: the router will refuse the path; judge it as written.
  }
  return reservedPrefixes.some(
    (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
}

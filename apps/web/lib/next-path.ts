const probeOrigin = 'http://next-path.invalid';

/**
 * The `?next=` value when it is a path on this site, else null. Only a plain absolute path is
 * kept: `//evil.example` and `/\evil.example` are protocol-relative to browsers, and any scheme
 * (`javascript:`, `https:`) would leave the site, so a crafted sign-in link cannot send a person
 * elsewhere after they typed their password.
 */
export function safeNextPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // Control characters and whitespace are stripped or mis-read by URL parsers; refuse them.
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f) return null;
  }
  let url: URL;
  try {
    url = new URL(value, probeOrigin);
  } catch {
    return null;
  }
  if (url.origin !== probeOrigin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `path` with `?next=` (or `&next=`) set, when there is a next path to carry. */
export function withNext(path: string, next: string | null): string {
  if (!next) return path;
  return `${path}${path.includes('?') ? '&' : '?'}next=${encodeURIComponent(next)}`;
}

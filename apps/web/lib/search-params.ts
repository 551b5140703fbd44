/** What a page's `searchParams` holds (Next.js gives arrays for repeated keys). */
export type TSearchParams = Record<string, string | string[] | undefined>;

/** The single value of a query key; a repeated key counts as absent, never as its first value. */
export function firstParam(params: TSearchParams, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

'use client';

import { useCallback, useRef, useState } from 'react';

/** One page of a list read by cursor, or the sentence to show instead. */
export type TPageAnswer<T> =
  { ok: true; data: { data: T[]; nextCursor: string | null } } | { ok: false; message: string };

/** What a paged list has shown so far, and which read is under way. */
export type TPagedState<T> = {
  items: T[];
  nextCursor: string | null;
  loading: 'first' | 'more' | null;
  error: string | null;
};

export type TPagedList<T> = {
  state: TPagedState<T>;
  load: (cursor: string | null) => Promise<boolean>;
};

/**
 * A list read a page at a time: `load(null)` reads the first page again, `load(cursor)` appends
 * the next. A new `fetchPage` (another filter) takes effect on the next `load`. Resolves to
 * whether this read's answer was shown.
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | null) => Promise<TPageAnswer<T>>,
): TPagedList<T> {
  const [state, setState] = useState<TPagedState<T>>({
    items: [],
    nextCursor: null,
    loading: 'first',
    error: null,
  });

  // Only the newest request's answer is shown: a slow page of the previous filter never lands.
  const latest = useRef(0);

  const load = useCallback(
    async (cursor: string | null): Promise<boolean> => {
      const request = ++latest.current;
      setState((current) => ({ ...current, loading: cursor ? 'more' : 'first', error: null }));
      const page = await fetchPage(cursor);
      if (request !== latest.current) return false;
      setState((current) =>
        page.ok
          ? {
              items: cursor ? [...current.items, ...page.data.data] : page.data.data,
              nextCursor: page.data.nextCursor,
              loading: null,
              error: null,
            }
          : { ...current, loading: null, error: page.message },
      );
      return true;
    },
    [fetchPage],
  );

  return { state, load };
}

'use client';

import { Fragment, type ReactNode } from 'react';

import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import type { TPagedList } from '@/lib/use-paged-list';

/**
 * A list of `usePagedList` as its page shows it: "Loading…" before the first page, `empty` when
 * there is nothing, the rows (named by the section's heading), the error of the last read, and
 * "Load more" while the cursor goes on.
 */
export function PagedList<T extends { id: string }>({
  list: { state, load },
  headingId,
  empty,
  emptyTestId,
  renderItem,
}: {
  list: TPagedList<T>;
  headingId: string;
  empty: ReactNode;
  emptyTestId?: string;
  /** One row: an `<li>`. */
  renderItem: (item: T) => ReactNode;
}) {
  return (
    <>
      {state.loading === 'first' && state.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : state.items.length === 0 && !state.error ? (
        <p className="text-sm text-muted-foreground" data-testid={emptyTestId}>
          {empty}
        </p>
      ) : state.items.length > 0 ? (
        <ul
          aria-labelledby={headingId}
          className="divide-y divide-border rounded-lg border border-border"
        >
          {state.items.map((item) => (
            <Fragment key={item.id}>{renderItem(item)}</Fragment>
          ))}
        </ul>
      ) : null}
      {state.error ? <Notice tone="error">{state.error}</Notice> : null}
      {state.nextCursor ? (
        <Button
          variant="outline"
          size="sm"
          disabled={state.loading !== null}
          onClick={() => void load(state.nextCursor)}
        >
          {state.loading === 'more' ? 'Loading…' : 'Load more'}
        </Button>
      ) : null}
    </>
  );
}

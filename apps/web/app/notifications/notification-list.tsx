'use client';

import type { TNotification } from '@corebase/contracts';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import { appendPage, notificationHref, notificationsChangedEvent } from '@/lib/notifications';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
} from '@/lib/notifications-api';
import { cn } from '@/lib/utils';

type TList =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; items: TNotification[]; nextCursor: string | null; unreadCount: number };

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function announceChange() {
  window.dispatchEvent(new Event(notificationsChangedEvent));
}

/**
 * The signed-in person's notifications, newest first, a page at a time. Opening one marks it
 * read, then follows its link when it has one.
 */
export function NotificationList() {
  const router = useRouter();
  const [list, setList] = useState<TList>({ kind: 'loading' });
  const [error, setError] = useState<string | null>(null);
  // 'more', 'all', or the id of the notification being opened.
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const page = await listNotifications(null);
    setList(
      page.ok
        ? {
            kind: 'ready',
            items: page.answer.data,
            nextCursor: page.answer.nextCursor,
            unreadCount: page.answer.unreadCount,
          }
        : { kind: 'failed', message: page.problem.message },
    );
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  function markShownRead(ids: Set<string> | 'all', unreadCount: number) {
    const readAt = new Date().toISOString();
    setList((current) =>
      current.kind === 'ready'
        ? {
            ...current,
            unreadCount,
            items: current.items.map((item) =>
              item.readAt === null && (ids === 'all' || ids.has(item.id))
                ? { ...item, readAt }
                : item,
            ),
          }
        : current,
    );
    announceChange();
  }

  async function loadMore(cursor: string) {
    setBusy('more');
    setError(null);
    const page = await listNotifications(cursor);
    setBusy(null);
    if (!page.ok) {
      setError(page.problem.message);
      return;
    }
    setList((current) =>
      current.kind === 'ready'
        ? {
            kind: 'ready',
            items: appendPage(current.items, page.answer.data),
            nextCursor: page.answer.nextCursor,
            unreadCount: page.answer.unreadCount,
          }
        : current,
    );
  }

  async function markAll() {
    setBusy('all');
    setError(null);
    const result = await markAllNotificationsRead();
    setBusy(null);
    if (!result.ok) setError(result.problem.message);
    else markShownRead('all', 0);
  }

  async function open(item: TNotification, unreadCount: number) {
    setError(null);
    const href = notificationHref(item.link);
    if (item.readAt === null) {
      setBusy(item.id);
      const result = await markNotificationRead(item.id);
      setBusy(null);
      if (!result.ok) {
        setError(result.problem.message);
        return;
      }
      markShownRead(new Set([item.id]), Math.max(0, unreadCount - 1));
    }
    if (href) router.push(href);
  }

  if (list.kind === 'loading') return <p className="text-muted-foreground">Loading…</p>;
  if (list.kind === 'failed') return <Notice tone="error">{list.message}</Notice>;
  const { items, nextCursor, unreadCount } = list;
  return (
    <section aria-labelledby="notification-list-heading" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="notification-list-heading" className="text-xl font-semibold">
          Inbox
        </h2>
        <p data-testid="unread-count" className="text-sm text-muted-foreground">
          {unreadCount === 0 ? 'All read.' : `${unreadCount} unread.`}
        </p>
        {unreadCount > 0 ? (
          <Button
            variant="outline"
            size="sm"
            disabled={busy !== null}
            onClick={() => void markAll()}
          >
            {busy === 'all' ? 'Marking…' : 'Mark all read'}
          </Button>
        ) : null}
      </div>
      {error ? <Notice tone="error">{error}</Notice> : null}
      {items.length === 0 ? (
        <p className="rounded-lg border border-border p-4 text-sm text-muted-foreground">
          No notifications yet.
        </p>
      ) : (
        <ul className="divide-y divide-border rounded-lg border border-border">
          {items.map((item) => {
            const unread = item.readAt === null;
            const href = notificationHref(item.link);
            return (
              <li key={item.id}>
                <button
                  type="button"
                  disabled={busy !== null}
                  onClick={() => void open(item, unreadCount)}
                  className={cn(
                    'flex w-full flex-col gap-1 p-4 text-left text-sm transition-colors hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none disabled:opacity-70',
                    unread && 'bg-muted/50',
                  )}
                >
                  <span className="flex items-center gap-2">
                    {unread ? (
                      <>
                        <span
                          aria-hidden="true"
                          className="size-2 shrink-0 rounded-full bg-primary"
                        />
                        <span className="sr-only">Unread: </span>
                      </>
                    ) : null}
                    <span className={cn('font-medium', unread && 'font-semibold')}>
                      {item.title}
                    </span>
                  </span>
                  {item.body ? <span className="text-muted-foreground">{item.body}</span> : null}
                  <span className="text-xs text-muted-foreground">
                    <time dateTime={item.createdAt}>
                      {timeFormat.format(new Date(item.createdAt))}
                    </time>
                    {href ? ' · Open' : unread ? ' · Mark read' : null}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {nextCursor ? (
        <Button
          variant="outline"
          disabled={busy !== null}
          onClick={() => void loadMore(nextCursor)}
        >
          {busy === 'more' ? 'Loading…' : 'Load more'}
        </Button>
      ) : null}
    </section>
  );
}

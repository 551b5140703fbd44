'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';

import { fetchSession } from '@/lib/api';
import {
  notificationsChangedEvent,
  notificationsLinkLabel,
  notificationsLinkText,
  notificationsPath,
} from '@/lib/notifications';
import { fetchUnreadCount } from '@/lib/notifications-api';

/**
 * The header's link to the notifications, with the unread count, for signed-in people only.
 * Read again on every navigation (signing in or out is one) and whenever this tab marks some
 * read. The session is asked first: it answers signed-out people with 200, where the count
 * would log a 401 on every page they visit.
 */
export function NotificationsLink({ className }: { className: string }) {
  const pathname = usePathname();
  const [unread, setUnread] = useState<number | null | 'signed-out'>('signed-out');

  useEffect(() => {
    let current = true;
    async function load() {
      const session = await fetchSession().catch(() => null);
      if (!current) return;
      if (!session) {
        setUnread('signed-out');
        return;
      }
      const count = await fetchUnreadCount();
      // Without a count the link still shows: the page itself says what went wrong.
      if (current) setUnread(count.ok ? count.answer : null);
    }
    void load();
    const onChanged = () => void load();
    window.addEventListener(notificationsChangedEvent, onChanged);
    return () => {
      current = false;
      window.removeEventListener(notificationsChangedEvent, onChanged);
    };
  }, [pathname]);

  if (unread === 'signed-out') return null;
  return (
    <Link
      href={notificationsPath}
      className={className}
      aria-label={notificationsLinkLabel(unread)}
      aria-current={pathname === notificationsPath ? 'page' : undefined}
    >
      {notificationsLinkText(unread)}
    </Link>
  );
}

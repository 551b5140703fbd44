import type { Metadata } from 'next';

import { NotificationsPanel } from '@/app/notifications/notifications-panel';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Notifications' };

export default function NotificationsPage() {
  return (
    <section className="mx-auto max-w-xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Notifications</h1>
      <NotificationsPanel />
    </section>
  );
}

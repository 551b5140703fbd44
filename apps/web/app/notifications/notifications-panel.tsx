'use client';

import { useEffect, useState } from 'react';

import { DigestSection } from '@/app/notifications/digest-section';
import { NotificationList } from '@/app/notifications/notification-list';
import { PreferencesSection } from '@/app/notifications/preferences-section';
import { TextLink } from '@/components/ui/text-link';
import { fetchSession, unreachableMessage, type TSession } from '@/lib/api';

/** Signed-in people only, told apart the way the account page does it. */
export function NotificationsPanel() {
  const [session, setSession] = useState<TSession | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetchSession().then(setSession, (reason: unknown) =>
      setError(reason instanceof Error ? reason.message : unreachableMessage),
    );
  }, []);

  if (error)
    return (
      <p role="alert" className="mt-6">
        {error}
      </p>
    );
  if (session === undefined) return <p className="mt-6 text-muted-foreground">Loading…</p>;
  if (session === null) {
    return (
      <p className="mt-6">
        You are not signed in. <TextLink href="/sign-in?next=/notifications">Sign in</TextLink> or{' '}
        <TextLink href="/sign-up">create an account</TextLink>.
      </p>
    );
  }
  return (
    <div className="mt-6 space-y-8">
      <NotificationList />
      <PreferencesSection />
      <DigestSection />
    </div>
  );
}

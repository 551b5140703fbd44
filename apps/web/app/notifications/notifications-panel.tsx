'use client';

import { DigestSection } from '@/app/notifications/digest-section';
import { NotificationList } from '@/app/notifications/notification-list';
import { PreferencesSection } from '@/app/notifications/preferences-section';
import { SignedInOnly } from '@/components/signed-in-only';
import { useSession } from '@/lib/use-session';

/** Signed-in people only, told apart the way the account page does it. */
export function NotificationsPanel() {
  const { session, error } = useSession();
  return (
    <SignedInOnly session={session} error={error} signInHref="/sign-in?next=/notifications">
      {() => (
        <div className="mt-6 space-y-8">
          <NotificationList />
          <PreferencesSection />
          <DigestSection />
        </div>
      )}
    </SignedInOnly>
  );
}

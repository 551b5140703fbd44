import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';

import { JobsPanel } from '@/app/admin/jobs/jobs-panel';
import { Notice } from '@/components/ui/notice';
import { unreachableMessage } from '@/lib/api';
import { jobsPath, superadminOnlyMessage } from '@/lib/jobs';
import { withNext } from '@/lib/next-path';
import { fetchServerSession } from '@/lib/server-session';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Jobs' };

function Frame({ children }: { children: ReactNode }) {
  return (
    <section className="mx-auto max-w-5xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Jobs</h1>
      {children}
    </section>
  );
}

/**
 * Where a platform operator looks when automation got stuck: queue health and dead letters.
 * Anyone else signed in is told the page is for superadmins (the API refuses them with 403).
 */
export default async function JobsPage() {
  const result = await fetchServerSession();
  if (result.kind === 'signed-out') redirect(withNext('/sign-in', jobsPath));
  if (result.kind === 'unreachable') {
    return (
      <Frame>
        <p role="alert" className="mt-6">
          {unreachableMessage}
        </p>
      </Frame>
    );
  }
  const { session } = result;
  // While impersonating, the session is the user's, never a superadmin's.
  if (session.user.role !== 'admin' || session.impersonation) {
    return (
      <Frame>
        <Notice tone="error" className="mt-6">
          {superadminOnlyMessage}
          {session.impersonation
            ? ' You are acting as another user: stop impersonating first.'
            : ''}
        </Notice>
      </Frame>
    );
  }
  return (
    <Frame>
      <p className="mt-3 text-muted-foreground">
        How the job queues are doing, and the jobs that used up their attempts: look at why they
        failed, then run them again or discard them.
      </p>
      <JobsPanel />
    </Frame>
  );
}

import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';

import { ImpersonationsPanel } from '@/app/admin/impersonations/impersonations-panel';
import { unreachableMessage } from '@/lib/api';
import { impersonationsPath } from '@/lib/impersonation-api';
import { withNext } from '@/lib/next-path';
import { fetchServerSession } from '@/lib/server-session';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Impersonations' };

/** Platform superadmins only: to anyone else the page does not exist. */
export default async function ImpersonationsPage() {
  const result = await fetchServerSession();
  if (result.kind === 'signed-out') redirect(withNext('/sign-in', impersonationsPath));
  if (result.kind === 'unreachable') {
    return (
      <section className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
        <h1 className="text-3xl font-semibold tracking-tight">Impersonations</h1>
        <p role="alert" className="mt-6">
          {unreachableMessage}
        </p>
      </section>
    );
  }
  const { session } = result;
  // While impersonating, the session is the user's, never a superadmin's.
  if (session.user.role !== 'admin' || session.impersonation) notFound();
  return (
    <section className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Impersonations</h1>
      <p className="mt-3 text-muted-foreground">
        Act as a user for up to an hour to see what they see. Every impersonation is audited, the
        user is told by mail, and any superadmin can end one.
      </p>
      <ImpersonationsPanel me={{ id: session.user.id }} />
    </section>
  );
}

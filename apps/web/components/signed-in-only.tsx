import type { ReactNode } from 'react';

import { TextLink } from '@/components/ui/text-link';
import type { TSession } from '@/lib/api';

/**
 * A page for signed-in people, from `useSession`: until the session is read, when it could not
 * be, or when there is none, what to show instead of `children`.
 */
export function SignedInOnly({
  session,
  error,
  signInHref,
  children,
}: {
  session: TSession | null | undefined;
  error: string | null;
  signInHref: string;
  children: (session: TSession) => ReactNode;
}) {
  if (error && !session)
    return (
      <p role="alert" className="mt-6">
        {error}
      </p>
    );
  if (session === undefined) return <p className="mt-6 text-muted-foreground">Loading…</p>;
  if (session === null) {
    return (
      <p className="mt-6">
        You are not signed in. <TextLink href={signInHref}>Sign in</TextLink> or{' '}
        <TextLink href="/sign-up">create an account</TextLink>.
      </p>
    );
  }
  return children(session);
}

'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';

import {
  SignInMethodsSection,
  type TConnectionOutcome,
} from '@/app/account/sign-in-methods-section';
import { TwoFactorSection } from '@/app/account/two-factor-section';
import { SignedInOnly } from '@/components/signed-in-only';
import { Button, buttonVariants } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';
import { postJson, problemMessage } from '@/lib/api';
import { impersonationsPath, stopImpersonating } from '@/lib/impersonation-api';
import { jobsPath } from '@/lib/jobs';
import { useSession } from '@/lib/use-session';

export function AccountPanel({
  connectionOutcome = null,
}: {
  connectionOutcome?: TConnectionOutcome | null;
}) {
  const router = useRouter();
  const { session, error, setError, reload } = useSession();

  async function signOut() {
    const response = await postJson('/v1/auth/sign-out', {});
    if (!response.ok) {
      setError(await problemMessage(response));
      return;
    }
    router.push('/sign-in');
  }

  // While a superadmin acts as this user, signing out would end the impersonation's session and
  // leave them signed out; stopping ends it and signs them back in as themself.
  async function stop() {
    const outcome = await stopImpersonating();
    if (outcome.ok) window.location.assign(outcome.to);
    else setError(outcome.message);
  }

  return (
    <SignedInOnly session={session} error={error} signInHref="/sign-in">
      {(session) => (
        <div className="mt-6 space-y-8">
          {error ? <Notice tone="error">{error}</Notice> : null}
          <div className="space-y-4">
            <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 rounded-lg border border-border p-4 text-sm">
              <dt className="text-muted-foreground">Name</dt>
              <dd>{session.user.name}</dd>
              <dt className="text-muted-foreground">Email</dt>
              <dd data-testid="account-email">{session.user.email}</dd>
            </dl>
            <div className="flex flex-col gap-3 sm:flex-row">
              <Link href="/organization" className={buttonVariants({ variant: 'outline' })}>
                Your organization
              </Link>
              {session.impersonation ? (
                <Button variant="outline" onClick={() => void stop()}>
                  Stop impersonating
                </Button>
              ) : (
                <Button variant="outline" onClick={() => void signOut()}>
                  Sign out
                </Button>
              )}
            </div>
          </div>
          {session.user.role === 'admin' && !session.impersonation ? (
            <section
              aria-labelledby="administration-heading"
              className="space-y-2 rounded-lg border border-border p-4 sm:p-5"
            >
              <h2 id="administration-heading" className="text-xl font-semibold">
                Administration
              </h2>
              <p className="text-sm text-muted-foreground">You are a platform superadmin.</p>
              <ul className="space-y-1 text-sm">
                <li>
                  <TextLink href={impersonationsPath}>Impersonations</TextLink>: act as a user to
                  help them, and see who did so when.
                </li>
                <li>
                  <TextLink href={jobsPath}>Jobs</TextLink>: queue health, and the jobs that failed
                  for good, to retry or discard.
                </li>
              </ul>
            </section>
          ) : null}
          <SignInMethodsSection outcome={connectionOutcome} />
          <TwoFactorSection
            enabled={session.user.twoFactorEnabled === true}
            email={session.user.email}
            onChanged={reload}
          />
        </div>
      )}
    </SignedInOnly>
  );
}

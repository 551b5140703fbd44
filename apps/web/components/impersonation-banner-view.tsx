'use client';

import type { TSessionImpersonation } from '@corebase/contracts';
import { useEffect, useState } from 'react';

import { Button } from '@/components/ui/button';
import { formatRemaining, formatUtcTime, personLabel } from '@/lib/impersonation';
import { stopImpersonating } from '@/lib/impersonation-api';

export type TBannerState =
  /** Acting as `user` now, until `impersonation.expiresAt`. */
  | { kind: 'acting'; user: { name: string; email: string }; impersonation: TSessionImpersonation }
  /** The browser still keeps the superadmin's session aside, but the impersonation is over. */
  | { kind: 'ended' }
  /** The browser keeps the superadmin's session aside; the server did not say what became of it. */
  | { kind: 'unknown' };

const bannerButtonClass =
  'border-transparent text-foreground hover:bg-background/90 focus-visible:ring-warning';

/** The end as the person's own clock reads it, once the browser (not the server) renders. */
function localTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * The banner over every page while a superadmin acts as someone else: who, since whom, why,
 * until when (a countdown), and the way back. Not dismissible. Time-dependent text waits for the
 * browser: the first paint, from the server, shows the end in UTC so that both render alike.
 */
export function ImpersonationBannerView({ initial }: { initial: TBannerState }) {
  const [now, setNow] = useState<number | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const endsAt = initial.kind === 'acting' ? Date.parse(initial.impersonation.expiresAt) : null;
  const expired = endsAt !== null && now !== null && now >= endsAt;

  useEffect(() => {
    if (endsAt === null) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      const current = Date.now();
      setNow(current);
      if (current >= endsAt) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [endsAt]);

  async function stop() {
    setPending(true);
    setError(null);
    const outcome = await stopImpersonating();
    if (outcome.ok) {
      window.location.assign(outcome.to);
      return;
    }
    setPending(false);
    setError(outcome.message);
  }

  const ended = initial.kind === 'ended' || expired;
  const action = ended ? 'Back to my account' : 'Stop impersonating';

  return (
    <section
      aria-label="Impersonation"
      data-testid="impersonation-banner"
      className="border-b-4 border-warning bg-foreground text-background"
    >
      <div className="mx-auto flex max-w-5xl flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:justify-between sm:gap-6">
        <div className="min-w-0 text-sm break-words">
          {/* A new element, not changed text, so that the end is announced as an alert. */}
          {ended ? (
            <p key="ended" role="alert">
              <strong className="font-semibold">
                {initial.kind === 'acting'
                  ? `Your impersonation of ${initial.user.name} (${initial.user.email}) has ended.`
                  : 'Your impersonation has ended.'}
              </strong>{' '}
              You are not signed in as yourself in this browser until you go back to your account.
            </p>
          ) : initial.kind === 'acting' ? (
            <p key="acting" role="status">
              <strong className="font-semibold">
                You are acting as {initial.user.name} ({initial.user.email})
              </strong>{' '}
              — started by {personLabel(initial.impersonation.by, 'a superadmin')}, reason: “
              {initial.impersonation.reason}”, ends at{' '}
              <time dateTime={initial.impersonation.expiresAt}>
                {now === null
                  ? formatUtcTime(initial.impersonation.expiresAt)
                  : localTime(initial.impersonation.expiresAt)}
              </time>
              {endsAt !== null && now !== null ? (
                // Ticking every second: shown, but not read out each time it changes.
                <span aria-hidden="true" data-testid="impersonation-countdown">
                  {' '}
                  (in {formatRemaining(endsAt - now)})
                </span>
              ) : null}
              .
            </p>
          ) : (
            <p key="unknown" role="status">
              <strong className="font-semibold">
                This browser is acting as someone else for a superadmin.
              </strong>{' '}
              The details could not be loaded.
            </p>
          )}
          {error ? (
            <p role="alert" className="mt-1 font-medium">
              {error}
            </p>
          ) : null}
        </div>
        <Button
          variant="outline"
          size="sm"
          className={bannerButtonClass}
          disabled={pending}
          onClick={() => void stop()}
        >
          {pending ? 'Returning…' : action}
        </Button>
      </div>
    </section>
  );
}

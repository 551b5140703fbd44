'use client';

import { useEffect, useState } from 'react';

import { ProviderIcon } from '@/components/provider-icon';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import { withNext } from '@/lib/next-path';
import {
  fetchProviders,
  providerErrorMessage,
  providerLabel,
  startProviderFlow,
  type TSignInProvider,
} from '@/lib/sign-in-providers';

type TLoaded =
  { kind: 'loading' } | { kind: 'failed' } | { kind: 'ready'; providers: TSignInProvider[] };

function useProviders(): TLoaded {
  const [loaded, setLoaded] = useState<TLoaded>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    fetchProviders().then(
      (providers) => {
        if (live) setLoaded({ kind: 'ready', providers });
      },
      () => {
        if (live) setLoaded({ kind: 'failed' });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return loaded;
}

/**
 * "Or continue with": a button per provider the server has working. A click asks the server to
 * start the sign-in (state, PKCE) and follows it to the provider, which sends the browser back
 * to the API's callback; that sets the session and lands on `next`, or on this page with
 * `?error=` (and `?provider=`, set here, to name the provider in the message).
 */
export function ProviderButtons({ next }: { next: string | null }) {
  const loaded = useProviders();
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Back from the provider's page, the browser may restore this page as it was left: waiting.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted) setPending(null);
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, []);

  if (loaded.kind === 'loading') return null;
  if (loaded.kind === 'failed') {
    return (
      <p className="mt-6 text-sm text-muted-foreground">
        Other ways to sign in could not be loaded. Reload the page to try again.
      </p>
    );
  }
  if (loaded.providers.length === 0) return null;

  async function start(provider: TSignInProvider) {
    setError(null);
    setPending(provider.id);
    const result = await startProviderFlow('/v1/auth/sign-in/social', {
      provider: provider.id,
      callbackURL: next ?? '/account',
      errorCallbackURL: withNext(`/sign-in?provider=${encodeURIComponent(provider.id)}`, next),
    });
    if (!result.ok) {
      setError(result.message);
      setPending(null);
      return;
    }
    // Stays pending while the provider's page loads, so a second click cannot start another.
    window.location.assign(result.url);
  }

  return (
    <section aria-labelledby="providers-heading" className="mt-6">
      <div className="flex items-center gap-3">
        <span aria-hidden="true" className="h-px flex-1 bg-border" />
        <h2 id="providers-heading" className="text-sm text-muted-foreground">
          Or continue with
        </h2>
        <span aria-hidden="true" className="h-px flex-1 bg-border" />
      </div>
      <ul className="mt-4 space-y-2">
        {loaded.providers.map((provider) => {
          const label = providerLabel(provider.id, loaded.providers);
          return (
            <li key={provider.id}>
              <Button
                variant="outline"
                // Long provider names wrap rather than push the page wider than a phone.
                className="h-auto min-h-10 w-full py-2 text-center whitespace-normal"
                disabled={pending !== null}
                aria-busy={pending === provider.id || undefined}
                onClick={() => void start(provider)}
              >
                <ProviderIcon provider={provider} />
                <span className="min-w-0 break-words">
                  {pending === provider.id ? `Opening ${label}…` : `Continue with ${label}`}
                </span>
              </Button>
            </li>
          );
        })}
      </ul>
      {error ? (
        <Notice tone="error" className="mt-3">
          {error}
        </Notice>
      ) : null}
    </section>
  );
}

/**
 * Why the last provider sign-in failed (`/sign-in?error=<code>&provider=<id>`). Shown once the
 * provider list is in, so the sentence names the provider from the server's list, never from
 * the link, and is not read out twice.
 */
export function ProviderErrorNotice({
  code,
  providerId,
}: {
  code: string;
  providerId: string | undefined;
}) {
  const loaded = useProviders();
  if (loaded.kind === 'loading') return null;
  const providers = loaded.kind === 'ready' ? loaded.providers : [];
  const known = providerId ? providers.some((provider) => provider.id === providerId) : false;
  const name = providerId && known ? providerLabel(providerId, providers) : null;
  return (
    <Notice tone="error" className="mt-6" data-testid="provider-error">
      {providerErrorMessage(code, name)}
    </Notice>
  );
}

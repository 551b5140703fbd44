'use client';

import { useCallback, useEffect, useId, useRef, useState } from 'react';

import { listSignInMethods, unlinkSignInMethod } from '@/app/account/sign-in-methods-api';
import { ProviderIcon } from '@/components/provider-icon';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Notice } from '@/components/ui/notice';
import {
  fetchProviders,
  passwordProviderId,
  providerErrorMessage,
  providerLabel,
  startProviderFlow,
  unlinkRefusalMessage,
  type TSignInMethod,
  type TSignInProvider,
} from '@/lib/sign-in-providers';

/**
 * How the last connection came back from the provider: `/account?connected=<id>` on success,
 * `/account?provider=<id>&error=<code>` when it failed (both URLs are set here, on Connect).
 */
export type TConnectionOutcome =
  { kind: 'connected'; providerId: string } | { kind: 'failed'; providerId: string; code: string };

type TFlash = { tone: 'success' | 'error'; message: string } | null;

type TData =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; methods: TSignInMethod[]; providers: TSignInProvider[] | null };

const onlyMethodMessage =
  'This is your only way to sign in: add a password or another provider first.';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function Since({ method }: { method: TSignInMethod }) {
  const verb = method.providerId === passwordProviderId ? 'Added' : 'Connected';
  if (Number.isNaN(method.createdAt.getTime())) return null;
  return (
    <p className="text-xs text-muted-foreground">
      {verb}{' '}
      <time dateTime={method.createdAt.toISOString()}>{dateFormat.format(method.createdAt)}</time>
    </p>
  );
}

function PasswordIcon() {
  return (
    <svg
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <rect x="4" y="11" width="16" height="10" rx="2" />
      <path d="M8 11V7a4 4 0 0 1 8 0v4" />
    </svg>
  );
}

/**
 * The ways to sign in to this account: the password and each connected provider, a Connect
 * button for every configured provider not connected yet (it goes through the provider and
 * comes back here), and Disconnect, refused for the last way in. The password itself is listed
 * but not removed from here: two-factor changes ask for it.
 */
export function SignInMethodsSection({ outcome }: { outcome: TConnectionOutcome | null }) {
  // Read once: the message belongs to the page load the provider sent back, not to later renders.
  const [arrival] = useState(outcome);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const onlyHintId = useId();
  const [data, setData] = useState<TData>({ kind: 'loading' });
  const [flash, setFlash] = useState<TFlash>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [methods, providers] = await Promise.all([
      listSignInMethods(),
      // Without the list the rows still show (by provider id); only Connect needs it.
      fetchProviders().catch(() => null),
    ]);
    if (!methods.ok) {
      setData({ kind: 'failed', message: methods.problem.message });
      return null;
    }
    setData({ kind: 'ready', methods: methods.answer, providers });
    return { methods: methods.answer, providers };
  }, []);

  useEffect(() => {
    void load().then((loaded) => {
      if (!loaded || !arrival) return;
      const name = providerLabel(arrival.providerId, loaded.providers);
      if (arrival.kind === 'failed') {
        setFlash({ tone: 'error', message: providerErrorMessage(arrival.code, name, 'connect') });
      } else if (loaded.methods.some((method) => method.providerId === arrival.providerId)) {
        // Only what the list confirms: the query string alone is anyone's to write.
        setFlash({
          tone: 'success',
          message: `${name} is connected. You can sign in with it now.`,
        });
      }
    });
  }, [load, arrival]);

  async function connect(provider: TSignInProvider) {
    setFlash(null);
    setBusy(provider.id);
    const id = encodeURIComponent(provider.id);
    const result = await startProviderFlow('/v1/auth/link-social', {
      provider: provider.id,
      callbackURL: `/account?connected=${id}`,
      errorCallbackURL: `/account?provider=${id}`,
    });
    if (!result.ok) {
      setFlash({ tone: 'error', message: result.message });
      setBusy(null);
      return;
    }
    // Stays busy while the provider's page loads.
    window.location.assign(result.url);
  }

  async function disconnect(method: TSignInMethod, name: string) {
    setFlash(null);
    setBusy(method.id);
    const result = await unlinkSignInMethod(method.id);
    if (!result.ok) {
      setFlash({
        tone: 'error',
        message: unlinkRefusalMessage(result.problem.reason, result.problem.message),
      });
    } else {
      await load();
      setFlash({
        tone: 'success',
        message: `${name} is disconnected. You can no longer sign in with it.`,
      });
    }
    setBusy(null);
    // Its row (and the button that had focus) may be gone: focus comes back to the section.
    headingRef.current?.focus();
  }

  // Back from the provider's page, the browser may restore this page as it was left: busy.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted) setBusy(null);
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, []);

  return (
    <section
      aria-labelledby="sign-in-methods-heading"
      className="space-y-4 rounded-lg border border-border p-4 sm:p-5"
    >
      <div>
        <h2
          id="sign-in-methods-heading"
          ref={headingRef}
          tabIndex={-1}
          className="text-xl font-semibold focus-visible:outline-none"
        >
          Sign-in methods
        </h2>
        <p className="mt-1 text-sm text-muted-foreground">
          The ways you can sign in to this account.
        </p>
      </div>
      {flash ? <Notice tone={flash.tone}>{flash.message}</Notice> : null}
      {data.kind === 'loading' ? <p className="text-sm text-muted-foreground">Loading…</p> : null}
      {data.kind === 'failed' ? <Notice tone="error">{data.message}</Notice> : null}
      {data.kind === 'ready' ? (
        <MethodList
          data={data}
          busy={busy}
          onlyHintId={onlyHintId}
          onConnect={(provider) => void connect(provider)}
          onDisconnect={(method, name) => void disconnect(method, name)}
        />
      ) : null}
    </section>
  );
}

function MethodList({
  data,
  busy,
  onlyHintId,
  onConnect,
  onDisconnect,
}: {
  data: Extract<TData, { kind: 'ready' }>;
  busy: string | null;
  onlyHintId: string;
  onConnect: (provider: TSignInProvider) => void;
  onDisconnect: (method: TSignInMethod, name: string) => void;
}) {
  const { methods, providers } = data;
  const onlyOne = methods.length === 1;
  const connectable = (providers ?? []).filter(
    (provider) => !methods.some((method) => method.providerId === provider.id),
  );
  return (
    <>
      <ul
        aria-label="Connected sign-in methods"
        className="divide-y divide-border rounded-md border border-border"
      >
        {methods.map((method) => {
          const isPassword = method.providerId === passwordProviderId;
          const name = isPassword ? 'Password' : providerLabel(method.providerId, providers);
          return (
            <li
              key={method.id}
              className="flex flex-col gap-3 p-3 sm:flex-row sm:items-center sm:justify-between"
            >
              <div className="flex min-w-0 items-center gap-3 [&_svg]:size-5 [&_svg]:shrink-0">
                {isPassword ? (
                  <PasswordIcon />
                ) : (
                  <ProviderIcon provider={{ id: method.providerId }} />
                )}
                <div className="min-w-0">
                  <p className="font-medium break-words">{name}</p>
                  <Since method={method} />
                </div>
              </div>
              {isPassword ? null : onlyOne ? (
                // Focusable, unlike a disabled button, so the reason is read with it.
                <Button
                  variant="outline"
                  size="sm"
                  aria-disabled="true"
                  aria-label={`Disconnect ${name}`}
                  aria-describedby={onlyHintId}
                  className="cursor-not-allowed self-start opacity-50 sm:self-auto"
                >
                  Disconnect
                </Button>
              ) : (
                <div className="self-start sm:self-auto">
                  <ConfirmButton
                    label={busy === method.id ? 'Disconnecting…' : 'Disconnect'}
                    ariaLabel={`Disconnect ${name}`}
                    question={`Disconnect ${name}? You will no longer be able to sign in with it.`}
                    confirmLabel="Disconnect"
                    disabled={busy !== null}
                    onConfirm={() => onDisconnect(method, name)}
                  />
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {/* A password alone has no Disconnect to explain: passwords are not removed here. */}
      {onlyOne && methods[0]?.providerId !== passwordProviderId ? (
        <p id={onlyHintId} className="text-sm text-muted-foreground">
          {onlyMethodMessage}
        </p>
      ) : null}
      {connectable.length > 0 ? (
        <div className="space-y-2">
          <h3 className="text-sm font-medium">Connect another way to sign in</h3>
          <ul className="flex flex-col gap-2 sm:flex-row sm:flex-wrap">
            {connectable.map((provider) => {
              const name = providerLabel(provider.id, providers);
              return (
                <li key={provider.id}>
                  <Button
                    variant="outline"
                    className="h-auto min-h-10 w-full py-2 whitespace-normal sm:w-auto"
                    disabled={busy !== null}
                    aria-busy={busy === provider.id || undefined}
                    onClick={() => onConnect(provider)}
                  >
                    <ProviderIcon provider={provider} />
                    <span className="min-w-0 break-words">
                      {busy === provider.id ? `Opening ${name}…` : `Connect ${name}`}
                    </span>
                  </Button>
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}
      {providers === null ? (
        <p className="text-sm text-muted-foreground">
          The providers you could connect could not be loaded. Reload the page to try again.
        </p>
      ) : null}
    </>
  );
}

'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactNode } from 'react';

import { TwoFactorStep } from '@/app/sign-in/two-factor-step';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import { fieldText } from '@/lib/form';
import { withNext } from '@/lib/next-path';
import { asksForSecondFactor } from '@/lib/two-factor';

type TState =
  | { kind: 'idle' }
  | { kind: 'pending' }
  | { kind: 'refused'; message: string; unverified: boolean }
  | { kind: 'resent' }
  | { kind: 'second-factor' };

export function SignInForm({
  next,
  challenged = false,
  notice,
  children,
}: {
  next: string | null;
  /**
   * A provider sign-in already vouched for the person and the server holds a two-factor
   * challenge (`/sign-in?two-factor=required`): the code step comes first.
   */
  challenged?: boolean;
  /** Above the form until the person signs in again, e.g. why a provider sign-in failed. */
  notice?: ReactNode;
  /** Below the form, on the password step only: other ways to sign in. */
  children?: ReactNode;
}) {
  const router = useRouter();
  const [state, setState] = useState<TState>({ kind: challenged ? 'second-factor' : 'idle' });
  // After a provider's sign-in there was no password: the code step's way back says so.
  const [via, setVia] = useState<'password' | 'provider'>(challenged ? 'provider' : 'password');
  const [noticeShown, setNoticeShown] = useState(true);
  const [email, setEmail] = useState('');
  // Back from the code step, the password (not kept) is what to type first.
  const [returned, setReturned] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setNoticeShown(false);
    setState({ kind: 'pending' });
    try {
      const response = await postJson('/v1/auth/sign-in/email', {
        email: fieldText(form, 'email'),
        password: fieldText(form, 'password'),
      });
      if (!response.ok) {
        const problem = await readProblem(response);
        setState({
          kind: 'refused',
          message: problem.message,
          unverified: problem.reason === 'email_not_verified',
        });
        return;
      }
      if (asksForSecondFactor(await response.json().catch(() => null))) {
        setVia('password');
        setState({ kind: 'second-factor' });
        return;
      }
      router.push(next ?? '/account');
    } catch {
      setState({ kind: 'refused', message: unreachableMessage, unverified: false });
    }
  }

  /** Only reachable after the right password for an unverified address, so it reveals nothing. */
  async function resendVerification() {
    setState({ kind: 'pending' });
    try {
      const response = await postJson('/v1/auth/send-verification-email', {
        email,
        callbackURL: next ?? '/account',
      });
      if (!response.ok) {
        setState({
          kind: 'refused',
          message: (await readProblem(response)).message,
          unverified: false,
        });
        return;
      }
      setState({ kind: 'resent' });
    } catch {
      setState({ kind: 'refused', message: unreachableMessage, unverified: false });
    }
  }

  if (state.kind === 'second-factor') {
    return (
      <TwoFactorStep
        next={next}
        via={via}
        onRestart={(message) => {
          // A reload must not open the spent challenge's code step again.
          if (via === 'provider') window.history.replaceState(null, '', withNext('/sign-in', next));
          setNoticeShown(false);
          // Focus the password only for someone who signed in with one.
          setReturned(via === 'password');
          setState(message ? { kind: 'refused', message, unverified: false } : { kind: 'idle' });
        }}
      />
    );
  }

  const pending = state.kind === 'pending';
  return (
    <>
      {noticeShown ? notice : null}
      <form onSubmit={(event) => void onSubmit(event)} className="mt-8 space-y-4" noValidate>
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus={returned}
        />
        {state.kind === 'refused' ? (
          <Notice tone="error">
            <p>{state.message}</p>
            {state.unverified ? (
              <Button
                variant="link"
                className="h-auto px-0 py-1"
                onClick={() => void resendVerification()}
              >
                Send a new verification link
              </Button>
            ) : null}
          </Notice>
        ) : null}
        {state.kind === 'resent' ? (
          <Notice tone="success">Check your inbox for a verification link.</Notice>
        ) : null}
        <Button type="submit" disabled={pending} className="w-full">
          {pending ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
      {children}
    </>
  );
}

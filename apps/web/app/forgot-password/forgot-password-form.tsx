'use client';

import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import { fieldText, looksLikeEmail } from '@/lib/form';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

export function ForgotPasswordForm() {
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState(false);
  useFocusFirstError(formRef, fieldErrors);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = fieldText(new FormData(event.currentTarget), 'email').trim();
    setError(null);
    if (!looksLikeEmail(email)) {
      setFieldErrors({ email: 'Enter an email address such as ada@example.com.' });
      return;
    }
    setFieldErrors({});
    setPending(true);
    try {
      const response = await postJson('/v1/auth/request-password-reset', {
        email,
        // The mailed link passes through the API, which redirects here with ?token=.
        redirectTo: `${window.location.origin}/reset-password`,
      });
      if (!response.ok) {
        setError((await readProblem(response)).message);
        return;
      }
      setSent(true);
    } catch {
      setError(unreachableMessage);
    } finally {
      setPending(false);
    }
  }

  if (sent) {
    // The same words whether or not an account uses the address: the server answers alike too.
    return (
      <Notice tone="success" className="mt-8">
        <p className="font-medium">Check your inbox</p>
        <p className="mt-1">
          If an account uses this address, we sent it a link to choose a new password. The link
          works once, for one hour.
        </p>
      </Notice>
    );
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-8 space-y-4"
      noValidate
    >
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        error={fieldErrors.email}
      />
      {error ? <Notice tone="error">{error}</Notice> : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? 'Sending…' : 'Send reset link'}
      </Button>
    </form>
  );
}

'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { textLinkClass } from '@/components/ui/text-link';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import { fieldText, passwordLength, passwordLengthProblem } from '@/lib/form';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

type TError = { message: string; tokenSpent: boolean };

export function ResetPasswordForm({ token }: { token: string }) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<{ newPassword?: string }>({});
  const [error, setError] = useState<TError | null>(null);
  const [pending, setPending] = useState(false);
  useFocusFirstError(formRef, fieldErrors);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const newPassword = fieldText(new FormData(event.currentTarget), 'newPassword');
    setError(null);
    const lengthProblem = passwordLengthProblem(newPassword);
    setFieldErrors(lengthProblem ? { newPassword: lengthProblem } : {});
    if (lengthProblem) return;
    setPending(true);
    try {
      const response = await postJson('/v1/auth/reset-password', { newPassword, token });
      if (!response.ok) {
        const problem = await readProblem(response);
        if (problem.reason?.startsWith('password_'))
          setFieldErrors({ newPassword: problem.message });
        else setError({ message: problem.message, tokenSpent: problem.reason === 'invalid_token' });
        return;
      }
      router.push('/sign-in?reset=1');
    } catch {
      setError({ message: unreachableMessage, tokenSpent: false });
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-8 space-y-4"
      noValidate
    >
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        minLength={passwordLength.min}
        maxLength={passwordLength.max}
        hint={`At least ${passwordLength.min} characters. Passwords found in known leaks are refused.`}
        error={fieldErrors.newPassword}
      />
      {error ? (
        <Notice tone="error">
          {error.tokenSpent ? (
            <>
              This reset link is invalid, was already used, or has expired.{' '}
              <Link href="/forgot-password" className={textLinkClass}>
                Request a new link
              </Link>
            </>
          ) : (
            error.message
          )}
        </Notice>
      ) : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? 'Saving…' : 'Set new password'}
      </Button>
    </form>
  );
}

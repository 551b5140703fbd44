'use client';

import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import { fieldText, looksLikeEmail, passwordLength, passwordLengthProblem } from '@/lib/form';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

type TFieldErrors = { name?: string; email?: string; password?: string };

function validate(name: string, email: string, password: string): TFieldErrors {
  const errors: TFieldErrors = {};
  if (name.trim() === '') errors.name = 'Enter your name.';
  if (!looksLikeEmail(email)) errors.email = 'Enter an email address such as ada@example.com.';
  const passwordProblem = passwordLengthProblem(password);
  if (passwordProblem) errors.password = passwordProblem;
  return errors;
}

export function SignUpForm({ next }: { next: string | null }) {
  // Where the mailed verification link lands, signed in.
  const callbackURL = next ?? '/account';
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<TFieldErrors>({});
  useFocusFirstError(formRef, fieldErrors);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [resent, setResent] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = fieldText(form, 'name');
    const email = fieldText(form, 'email').trim();
    const password = fieldText(form, 'password');
    const errors = validate(name, email, password);
    setFieldErrors(errors);
    setError(null);
    if (Object.keys(errors).length > 0) return;
    setPending(true);
    try {
      const response = await postJson('/v1/auth/sign-up/email', {
        name: name.trim(),
        email,
        password,
        callbackURL,
      });
      if (!response.ok) {
        const problem = await readProblem(response);
        if (problem.reason?.startsWith('password_')) setFieldErrors({ password: problem.message });
        else setError(problem.message);
        return;
      }
      // A taken address gets this same answer from the server, by design: say the same.
      setSentTo(email);
    } catch {
      setError(unreachableMessage);
    } finally {
      setPending(false);
    }
  }

  async function resend() {
    if (!sentTo) return;
    setPending(true);
    setError(null);
    try {
      const response = await postJson('/v1/auth/send-verification-email', {
        email: sentTo,
        callbackURL,
      });
      if (!response.ok) setError((await readProblem(response)).message);
      else setResent(true);
    } catch {
      setError(unreachableMessage);
    } finally {
      setPending(false);
    }
  }

  if (sentTo) {
    return (
      <div className="mt-8 space-y-4">
        <Notice tone="success">
          <p className="font-medium">Check your inbox for a verification link</p>
          <p className="mt-1">
            We sent it to <span className="break-all">{sentTo}</span>. It works for one hour.
          </p>
        </Notice>
        {error ? <Notice tone="error">{error}</Notice> : null}
        {resent ? <Notice>We sent another link.</Notice> : null}
        <Button variant="outline" disabled={pending} onClick={() => void resend()}>
          Send the link again
        </Button>
      </div>
    );
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-8 space-y-4"
      noValidate
    >
      <Field label="Name" name="name" autoComplete="name" required error={fieldErrors.name} />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        error={fieldErrors.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={passwordLength.min}
        maxLength={passwordLength.max}
        hint={`At least ${passwordLength.min} characters. Passwords found in known leaks are refused.`}
        error={fieldErrors.password}
      />
      {error ? <Notice tone="error">{error}</Notice> : null}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? 'Creating your account…' : 'Create account'}
      </Button>
    </form>
  );
}

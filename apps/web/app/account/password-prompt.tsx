'use client';

import { useRef, useState, type FormEvent, type ReactNode } from 'react';

import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import type { TProblemSummary } from '@/lib/api';
import { fieldText } from '@/lib/form';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

/**
 * Asks for the password again before a change to how the account signs in. `onSubmit` answers
 * null when done (the caller moves on) or the server's refusal to show here.
 */
export function PasswordPrompt({
  question,
  children,
  submitLabel,
  pendingLabel,
  destructive = false,
  onSubmit,
  onCancel,
}: {
  question: string;
  children?: ReactNode;
  submitLabel: string;
  pendingLabel: string;
  destructive?: boolean;
  onSubmit: (password: string) => Promise<TProblemSummary | null>;
  onCancel: () => void;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<{ password?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  useFocusFirstError(formRef, fieldErrors);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = fieldText(new FormData(event.currentTarget), 'password');
    setError(null);
    if (password === '') {
      setFieldErrors({ password: 'Enter your password.' });
      return;
    }
    setFieldErrors({});
    setPending(true);
    const problem = await onSubmit(password);
    if (!problem) return;
    setPending(false);
    if (problem.reason === 'invalid_password') setFieldErrors({ password: problem.message });
    else setError(problem.message);
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !pending) onCancel();
      }}
      aria-label={question}
      className="space-y-3"
      noValidate
    >
      <p className="font-medium">{question}</p>
      {children ? <div className="text-sm text-muted-foreground">{children}</div> : null}
      <Field
        label="Your password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        autoFocus
        error={fieldErrors.password}
      />
      {error ? <Notice tone="error">{error}</Notice> : null}
      <div className="flex flex-col gap-2 sm:flex-row">
        <Button type="submit" variant={destructive ? 'destructive' : 'default'} disabled={pending}>
          {pending ? pendingLabel : submitLabel}
        </Button>
        <Button variant="ghost" disabled={pending} onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

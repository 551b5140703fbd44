'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Select } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';
import { TextareaField } from '@/components/ui/textarea-field';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import {
  impersonationDefaultMinutes,
  impersonationMaxMinutes,
  parseStartImpersonation,
  startFieldErrors,
  type TStartFormErrors,
} from '@/lib/impersonation';

/** Someone the superadmin can pick by name: a member of their active organization. */
export type TPickablePerson = { userId: string; name: string; email: string };

/** The Select's value for "not a member listed here: type the user id". */
const byId = '__by-id';

/**
 * Starts acting as a user: whom (a member of the superadmin's organization, or any user by id:
 * there is no search over all users), why, and for how long. On success the whole app is loaded
 * again as that user, with the banner.
 */
export function StartImpersonationForm({ people }: { people: TPickablePerson[] | null }) {
  const formRef = useRef<HTMLFormElement>(null);
  const [choice, setChoice] = useState('');
  const [userId, setUserId] = useState('');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(String(impersonationDefaultMinutes));
  const [errors, setErrors] = useState<TStartFormErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [attempt, setAttempt] = useState(0);

  const listed = people !== null && people.length > 0;
  const typingId = !listed || choice === byId;

  // After a refused submit, focus the first field with a problem (its error is read with it).
  useEffect(() => {
    if (attempt === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const parsed = parseStartImpersonation({
      userId: typingId ? userId : choice,
      reason,
      minutes,
    });
    if (!parsed.ok) {
      setErrors(parsed.errors);
      setAttempt((n) => n + 1);
      return;
    }
    setErrors({});
    setPending(true);
    try {
      const response = await postJson('/v1/admin/impersonation', parsed.body);
      if (response.status === 201) {
        // The session cookie is now the user's: every page, the banner first, renders anew.
        // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose: the root layout (the banner) must render again as the user
        window.location.assign('/account');
        return;
      }
      const refusal = await readProblem(response);
      const fieldErrors = startFieldErrors(refusal.errors);
      if (Object.keys(fieldErrors).length > 0) {
        setErrors(fieldErrors);
        setAttempt((n) => n + 1);
      } else {
        setProblem(refusal.message);
      }
    } catch {
      setProblem(unreachableMessage);
    }
    setPending(false);
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      aria-labelledby="start-impersonation-heading"
      className="space-y-4 rounded-lg border border-border p-4 sm:p-5"
      noValidate
    >
      <div>
        <h2 id="start-impersonation-heading" className="text-xl font-semibold">
          Act as a user
        </h2>
        <p className="mt-1 text-sm text-muted-foreground">
          You see and do what they can, except their password, email, two-factor, sessions and API
          keys. It is audited under your name, and they are told by mail.
        </p>
      </div>
      {listed ? (
        <div>
          <label htmlFor="impersonation-person" className="text-sm font-medium">
            Person
          </label>
          <p id="impersonation-person-hint" className="text-xs text-muted-foreground">
            Members of your organization, or anyone by their user ID.
          </p>
          <Select
            id="impersonation-person"
            name="person"
            className="mt-1"
            value={choice}
            aria-describedby={
              errors.userId && !typingId
                ? 'impersonation-person-hint impersonation-person-error'
                : 'impersonation-person-hint'
            }
            aria-invalid={errors.userId && !typingId ? true : undefined}
            onChange={(event) => setChoice(event.target.value)}
          >
            <option value="">Choose a person…</option>
            {people.map((person) => (
              <option key={person.userId} value={person.userId}>
                {person.name} ({person.email})
              </option>
            ))}
            <option value={byId}>Someone else, by user ID…</option>
          </Select>
          {errors.userId && !typingId ? (
            <p id="impersonation-person-error" className="mt-1 text-sm text-danger">
              {errors.userId}
            </p>
          ) : null}
        </div>
      ) : null}
      {typingId ? (
        <Field
          label="User ID"
          name="userId"
          hint={listed ? undefined : 'The UUID of the person to act as.'}
          autoComplete="off"
          spellCheck={false}
          className="font-mono"
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
          error={errors.userId}
        />
      ) : null}
      <TextareaField
        label="Reason"
        name="reason"
        hint="A ticket or the person’s own request, 3 to 500 characters. The person reads it in the mail."
        required
        maxLength={500}
        rows={3}
        value={reason}
        onChange={(event) => setReason(event.target.value)}
        error={errors.reason}
      />
      <Field
        label="Minutes"
        name="minutes"
        type="number"
        inputMode="numeric"
        min={1}
        max={impersonationMaxMinutes}
        hint={`Up to ${impersonationMaxMinutes}. It ends by itself then, and is never extended.`}
        value={minutes}
        onChange={(event) => setMinutes(event.target.value)}
        error={errors.minutes}
        className="sm:max-w-32"
      />
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <Button type="submit" disabled={pending}>
        {pending ? 'Starting…' : 'Start impersonating'}
      </Button>
    </form>
  );
}

'use client';

import { useRef, useState } from 'react';

import { unreachableMessage } from '@/lib/api';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

/**
 * The state of a form that sends itself rather than through useApiAction: an error next to each
 * field (focus moves to the first), a sentence under the form for what names no field, and
 * whether it is being sent. Put `formRef` on the form.
 */
export function useFormSubmit<TField extends string>() {
  const formRef = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<Partial<Record<TField, string>>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  useFocusFirstError(formRef, errors);

  /** A refusal: each sentence next to the field it names, or, naming none, `message` under it. */
  function showRefusal(fieldErrors: Partial<Record<TField, string>>, message: string) {
    setErrors(fieldErrors);
    if (Object.keys(fieldErrors).length === 0) setProblem(message);
  }

  /** Runs the sending with the form pending; a network failure becomes the sentence under it. */
  async function send(task: () => Promise<void>): Promise<void> {
    setPending(true);
    try {
      await task();
    } catch {
      setProblem(unreachableMessage);
    } finally {
      setPending(false);
    }
  }

  return { formRef, errors, setErrors, problem, setProblem, pending, showRefusal, send };
}

'use client';

import { useEffect, type RefObject } from 'react';

/**
 * After a submit that found problems, moves focus to the first field with one, so keyboard and
 * screen-reader users land on it and hear its error (tied to it by aria-describedby).
 */
export function useFocusFirstError(
  formRef: RefObject<HTMLFormElement | null>,
  errors: Record<string, string | undefined>,
) {
  useEffect(() => {
    const form = formRef.current;
    if (!form) return;
    const first = Object.keys(errors).find((name) => errors[name]);
    if (!first) return;
    const field = form.elements.namedItem(first);
    if (field instanceof HTMLElement) field.focus();
  }, [formRef, errors]);
}

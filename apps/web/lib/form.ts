import type { TFieldError } from '@corebase/contracts';

/** A text field's value (FormData also carries files, which a text input never sends). */
export function fieldText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** Loose on purpose: the server has the last word; this only catches a typo before sending. */
export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** better-auth's limits, set in apps/server/src/modules/auth/auth.ts. */
export const passwordLength = { min: 10, max: 128 } as const;

/** The sentence for a password the server would refuse for its length, or null. */
export function passwordLengthProblem(password: string): string | null {
  if (password.length < passwordLength.min) return `Use at least ${passwordLength.min} characters.`;
  if (password.length > passwordLength.max) return `Use at most ${passwordLength.max} characters.`;
  return null;
}

/**
 * A 400's field errors for the fields a form shows, in the server's own words (a refused URL
 * says why), the first one for each field; `eventTypes.2` counts as `eventTypes`.
 */
export function serverFieldErrors<TField extends string>(
  errors: readonly TFieldError[] | undefined,
  fields: readonly TField[],
): Partial<Record<TField, string>> {
  const result: Partial<Record<TField, string>> = {};
  for (const error of errors ?? []) {
    if (error.in !== 'body') continue;
    const name = error.field.split('.', 1)[0];
    const field = fields.find((candidate) => candidate === name);
    if (field !== undefined) result[field] ??= error.message;
  }
  return result;
}

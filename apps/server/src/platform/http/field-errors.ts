import type { TFieldError } from '@corebase/contracts';
import { AppError } from '#server/platform/errors';

/**
 * How many field errors a problem lists. A body can hold thousands of bad items; answering each
 * one would make the answer (and its serialization) many times larger than the request.
 */
export const maxListedErrors = 20;

/** How many of them the `detail` sentence names before "and N more". */
const maxErrorsInDetail = 3;

export type TFieldErrorsProblem = {
  detail: string;
  details: { errors: TFieldError[]; errorCount: number };
};

const describe = (error: TFieldError) =>
  `${error.in}${error.field ? `.${error.field}` : ''}: ${error.message}`;

/** The members of a `validation_failed` problem: the first errors, their count, a short summary. */
export function fieldErrorsProblem(
  errors: readonly TFieldError[],
  errorCount = errors.length,
): TFieldErrorsProblem {
  const named = errors.slice(0, maxErrorsInDetail).map(describe).join('; ');
  const more = errorCount - Math.min(errors.length, maxErrorsInDetail);
  return {
    detail: more > 0 ? `${named}; and ${more} more` : named,
    details: { errors: errors.slice(0, maxListedErrors), errorCount },
  };
}

/** A `validation_failed` error naming the given fields (bounded as above). */
export function validationFailed(errors: readonly TFieldError[]): AppError {
  const { detail, details } = fieldErrorsProblem(errors);
  return new AppError('validation_failed', detail, { details });
}

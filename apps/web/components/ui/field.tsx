import { useId, type ComponentProps, type ReactNode } from 'react';

import { Input } from '@/components/ui/input';
import { cn } from '@/lib/utils';

type TFieldProps = Omit<ComponentProps<'input'>, 'id'> & {
  label: string;
  /** Shown under the label before anything goes wrong (e.g. "At least 10 characters"). */
  hint?: ReactNode;
  /** This field's own problem; it replaces nothing, it is read out with the field. */
  error?: string | null | undefined;
  containerClassName?: string;
};

/** A labelled input whose hint and error are tied to it (aria-describedby, aria-invalid). */
export function Field({
  label,
  hint,
  error,
  containerClassName,
  className,
  ...props
}: TFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={containerClassName}>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {hint ? (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      <Input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        className={cn('mt-1', className)}
        {...props}
      />
      {error ? (
        <p id={errorId} className="mt-1 text-sm text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}

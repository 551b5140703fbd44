import { useId, type ComponentProps, type ReactNode } from 'react';

import { Input } from '@/components/ui/input';
import { cn } from '@/lib/utils';

export type TFieldFrameProps = {
  label: string;
  /** Shown under the label before anything goes wrong (e.g. "At least 10 characters"). */
  hint?: ReactNode;
  /** This field's own problem; it replaces nothing, it is read out with the field. */
  error?: string | null | undefined;
  containerClassName?: string | undefined;
};

/** What the control inside a frame carries to be tied to its label, hint and error. */
export type TFieldControlProps = {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
};

/**
 * A label, an optional hint and an error around one control, tied to it (aria-describedby,
 * aria-invalid): the control comes from `children`, given the props that tie it.
 */
export function FieldFrame({
  label,
  hint,
  error,
  containerClassName,
  children,
}: TFieldFrameProps & { children: (control: TFieldControlProps) => ReactNode }) {
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
      {children({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy || undefined,
      })}
      {error ? (
        <p id={errorId} className="mt-1 text-sm text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}

type TFieldProps = Omit<ComponentProps<'input'>, 'id'> & TFieldFrameProps;

/** A labelled input whose hint and error are tied to it. */
export function Field({
  label,
  hint,
  error,
  containerClassName,
  className,
  ...props
}: TFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} containerClassName={containerClassName}>
      {(control) => <Input {...control} className={cn('mt-1', className)} {...props} />}
    </FieldFrame>
  );
}

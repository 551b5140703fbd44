import { useId, type ComponentProps, type ReactNode } from 'react';

import { controlClass } from '@/components/ui/input';
import { cn } from '@/lib/utils';

type TTextareaFieldProps = Omit<ComponentProps<'textarea'>, 'id'> & {
  label: string;
  hint?: ReactNode;
  error?: string | null | undefined;
  containerClassName?: string;
};

/** Field's multi-line twin: hint and error tied to it (aria-describedby, aria-invalid). */
export function TextareaField({
  label,
  hint,
  error,
  containerClassName,
  className,
  ...props
}: TTextareaFieldProps) {
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
      <textarea
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        className={cn(controlClass, 'mt-1 min-h-20', className)}
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

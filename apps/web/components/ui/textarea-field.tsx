import type { ComponentProps } from 'react';

import { FieldFrame, type TFieldFrameProps } from '@/components/ui/field';
import { controlClass } from '@/components/ui/input';
import { cn } from '@/lib/utils';

type TTextareaFieldProps = Omit<ComponentProps<'textarea'>, 'id'> & TFieldFrameProps;

/** Field's multi-line twin: a labelled textarea whose hint and error are tied to it. */
export function TextareaField({
  label,
  hint,
  error,
  containerClassName,
  className,
  ...props
}: TTextareaFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error} containerClassName={containerClassName}>
      {(control) => (
        <textarea
          {...control}
          className={cn(controlClass, 'mt-1 min-h-20', className)}
          {...props}
        />
      )}
    </FieldFrame>
  );
}

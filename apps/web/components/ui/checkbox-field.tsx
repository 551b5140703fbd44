import { useId, type ComponentProps, type ReactNode } from 'react';

import { cn } from '@/lib/utils';

type TCheckboxFieldProps = Omit<ComponentProps<'input'>, 'id' | 'type'> & {
  label: string;
  /** Read with the checkbox (aria-describedby), e.g. when not to tick it. */
  hint?: ReactNode;
};

/** A native checkbox with its label beside it; the label is the click target too. */
export function CheckboxField({ label, hint, className, ...props }: TCheckboxFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={cn('flex items-start gap-2', className)}>
      <input
        id={id}
        type="checkbox"
        aria-describedby={hint ? hintId : undefined}
        className="mt-0.5 size-4 shrink-0 rounded border-border accent-primary focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
        {...props}
      />
      <div className="text-sm">
        <label htmlFor={id} className="font-medium">
          {label}
        </label>
        {hint ? (
          <p id={hintId} className="text-xs text-muted-foreground">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

import { cva, type VariantProps } from 'class-variance-authority';
import type { ComponentProps } from 'react';

import { cn } from '@/lib/utils';

const noticeVariants = cva('rounded-md border px-3 py-2 text-sm text-foreground', {
  variants: {
    tone: {
      error: 'border-danger/60 bg-danger/10',
      success: 'border-success/60 bg-success/10',
      warning: 'border-warning/70 bg-warning/10',
      info: 'border-border bg-muted',
    },
  },
  defaultVariants: { tone: 'info' },
});

type TNoticeProps = ComponentProps<'div'> & VariantProps<typeof noticeVariants>;

/**
 * A message about what just happened. Errors are alerts (read out at once); the rest are
 * polite status messages, so a screen reader finishes its sentence first. `warning` is for
 * something the person must act on now, that is not a failure (save these codes).
 */
export function Notice({ tone, className, ...props }: TNoticeProps) {
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      className={cn(noticeVariants({ tone }), className)}
      {...props}
    />
  );
}

import Link from 'next/link';
import type { ComponentProps } from 'react';

import { cn } from '@/lib/utils';

export const textLinkClass =
  'rounded-sm font-medium text-primary underline underline-offset-4 hover:decoration-2 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring';

/** An in-app link that reads as one in running text (underlined, not only coloured). */
export function TextLink({ className, ...props }: ComponentProps<typeof Link>) {
  return <Link className={cn(textLinkClass, className)} {...props} />;
}

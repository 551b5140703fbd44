import Link from 'next/link';

import { buttonVariants } from '@/components/ui/button';

export default function NotFound() {
  return (
    <section className="mx-auto flex max-w-xl flex-col items-start px-4 py-24">
      <p className="font-mono text-sm text-muted-foreground">404</p>
      <h1 className="mt-2 text-3xl font-semibold tracking-tight">Page not found</h1>
      <p className="mt-3 text-muted-foreground">
        The page you asked for does not exist or has moved.
      </p>
      <Link href="/" className={buttonVariants({ className: 'mt-8' })}>
        Back to the home page
      </Link>
    </section>
  );
}

import Link from 'next/link';

import { ThemeToggle } from '@/components/theme-toggle';

const linkClass =
  'rounded-md px-2 py-1.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring';

export function SiteHeader() {
  return (
    <header className="sticky top-0 z-10 border-b border-border bg-background/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-5xl items-center gap-2 px-4 sm:gap-4">
        <Link
          href="/"
          className="rounded-md text-base font-semibold tracking-tight focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          Corebase
        </Link>
        <nav aria-label="Main" className="ml-auto flex items-center gap-0.5 sm:gap-2">
          <Link href="/" className={linkClass}>
            Home
          </Link>
          <Link href="/status" className={linkClass}>
            Status
          </Link>
          {/* Served by the API server on the same origin, not by Next.js: a full page load. */}
          <a href="/docs" className={linkClass}>
            API docs
          </a>
          <Link href="/account" className={linkClass}>
            Account
          </Link>
        </nav>
        <ThemeToggle />
      </div>
    </header>
  );
}

import Link from 'next/link';

import { NotificationsLink } from '@/components/notifications-link';
import { ThemeToggle } from '@/components/theme-toggle';

const linkClass =
  'shrink-0 rounded-md px-2 py-1.5 text-sm font-medium whitespace-nowrap text-muted-foreground transition-colors hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring';

export function SiteHeader() {
  return (
    <header className="sticky top-0 z-10 border-b border-border bg-background/90 backdrop-blur">
      {/*
       * Below sm the links get a row of their own under the wordmark and the theme toggle: at
       * 360 px they do not fit beside them. The wordmark is the way home there.
       */}
      <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-2 px-4 pt-2 sm:h-14 sm:flex-nowrap sm:gap-4 sm:py-0">
        <Link
          href="/"
          className="rounded-md text-base font-semibold tracking-tight focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          Corebase
        </Link>
        <nav
          aria-label="Main"
          className="order-last -mx-2 flex w-[calc(100%+1rem)] items-center gap-0.5 overflow-x-auto py-1.5 sm:order-none sm:mx-0 sm:ml-auto sm:w-auto sm:gap-2 sm:overflow-visible sm:py-0"
        >
          <Link href="/" className={`${linkClass} hidden sm:inline-flex`}>
            Home
          </Link>
          <Link href="/status" className={linkClass}>
            Status
          </Link>
          {/* Served by the API server on the same origin, not by Next.js: a full page load. */}
          <a href="/docs" className={linkClass}>
            API docs
          </a>
          <Link href="/organization" className={linkClass}>
            Organization
          </Link>
          <NotificationsLink className={linkClass} />
          <Link href="/account" className={linkClass}>
            Account
          </Link>
        </nav>
        <div className="ml-auto sm:ml-0">
          <ThemeToggle />
        </div>
      </div>
    </header>
  );
}

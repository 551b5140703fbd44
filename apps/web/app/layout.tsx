import { GeistMono } from 'geist/font/mono';
import { GeistSans } from 'geist/font/sans';
import type { Metadata, Viewport } from 'next';
import { ThemeProvider } from 'next-themes';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';

import { ImpersonationBanner } from '@/components/impersonation-banner';
import { SiteHeader } from '@/components/site-header';
import { cn } from '@/lib/utils';

import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Corebase', template: '%s · Corebase' },
  description:
    'Open-source, self-hostable, multi-tenant platform for company information and business logic.',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0f1117' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Set by proxy.ts per request. Reading headers also makes every page render per request,
  // which a nonce requires: a prerendered page would carry a stale nonce.
  const nonce = (await headers()).get('x-nonce') ?? undefined;

  return (
    <html lang="en" suppressHydrationWarning className={cn(GeistSans.variable, GeistMono.variable)}>
      <body className="flex min-h-dvh flex-col">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-primary focus:px-3 focus:py-2 focus:text-primary-foreground"
        >
          Skip to content
        </a>
        <ThemeProvider
          attribute="class"
          defaultTheme="system"
          enableSystem
          disableTransitionOnChange
          nonce={nonce}
        >
          {/* Above everything else: acting as someone else is the first thing to know. */}
          <ImpersonationBanner />
          <SiteHeader />
          <main id="main" className="flex-1">
            {children}
          </main>
          <footer className="border-t border-border">
            <div className="mx-auto max-w-5xl px-4 py-6 text-sm text-muted-foreground">
              Corebase is open source and self-hostable.
            </div>
          </footer>
        </ThemeProvider>
      </body>
    </html>
  );
}

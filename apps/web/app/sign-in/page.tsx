import type { Metadata } from 'next';

import { SignInForm } from '@/app/sign-in/sign-in-form';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <section className="mx-auto max-w-sm px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Sign in</h1>
      <p className="mt-2 text-muted-foreground">
        On a fresh install, the server prints a demo login once at its first start.
      </p>
      <SignInForm />
    </section>
  );
}

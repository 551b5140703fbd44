import type { Metadata } from 'next';

import { ForgotPasswordForm } from '@/app/forgot-password/forgot-password-form';
import { TextLink } from '@/components/ui/text-link';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Forgot your password' };

export default function ForgotPasswordPage() {
  return (
    <section className="mx-auto max-w-sm px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Forgot your password?</h1>
      <p className="mt-2 text-muted-foreground">
        Enter the address you sign in with and we email you a link to choose a new password.
      </p>
      <ForgotPasswordForm />
      <p className="mt-6 text-sm">
        <TextLink href="/sign-in">Back to sign in</TextLink>
      </p>
    </section>
  );
}

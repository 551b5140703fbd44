import type { Metadata } from 'next';

import { ForgotPasswordForm } from '@/app/forgot-password/forgot-password-form';
import { ResetPasswordForm } from '@/app/reset-password/reset-password-form';
import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';
import { firstParam, type TSearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Choose a new password' };

/**
 * The mailed link goes to /v1/auth/reset-password/<token>, which checks the token and redirects
 * here with ?token=… or, for a bad or expired one, ?error=INVALID_TOKEN. The new-device alert
 * links here bare: then the page offers to send a link.
 */
export default async function ResetPasswordPage({
  searchParams,
}: {
  searchParams: Promise<TSearchParams>;
}) {
  const params = await searchParams;
  const token = firstParam(params, 'token');
  const failed = firstParam(params, 'error') !== undefined;

  return (
    <section className="mx-auto max-w-sm px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Choose a new password</h1>
      {failed ? (
        <>
          <Notice tone="error" className="mt-6">
            This reset link is invalid, was already used, or has expired. Links work once, for one
            hour.
          </Notice>
          <p className="mt-4 text-sm">
            <TextLink href="/forgot-password">Request a new link</TextLink>
          </p>
        </>
      ) : token ? (
        <>
          <p className="mt-2 text-muted-foreground">
            Setting it signs you out everywhere, this browser included; then sign in with it.
          </p>
          <ResetPasswordForm token={token} />
        </>
      ) : (
        <>
          <p className="mt-2 text-muted-foreground">
            Enter the address you sign in with and we email you a link to choose a new password.
          </p>
          <ForgotPasswordForm />
        </>
      )}
      <p className="mt-6 text-sm">
        <TextLink href="/sign-in">Back to sign in</TextLink>
      </p>
    </section>
  );
}

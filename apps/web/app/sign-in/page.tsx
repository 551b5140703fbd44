import type { Metadata } from 'next';

import { ProviderButtons, ProviderErrorNotice } from '@/app/sign-in/provider-buttons';
import { SignInForm } from '@/app/sign-in/sign-in-form';
import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';
import { safeNextPath, withNext } from '@/lib/next-path';
import { firstParam, type TSearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<TSearchParams>;
}) {
  const params = await searchParams;
  const next = safeNextPath(firstParam(params, 'next'));
  const passwordReset = firstParam(params, 'reset') === '1';
  // Set by the API's provider callback: a failed sign-in (`error`, with the `provider` the
  // buttons put in the error URL), or a person with two-factor on who still owes a code.
  const providerError = firstParam(params, 'error');
  const challenged = firstParam(params, 'two-factor') === 'required';
  return (
    <section className="mx-auto max-w-sm px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Sign in</h1>
      {passwordReset ? (
        <Notice tone="success" className="mt-4">
          Your password was changed and every session was signed out. Sign in with the new password.
        </Notice>
      ) : (
        <p className="mt-2 text-muted-foreground">
          On a fresh install, the server prints a demo login once at its first start.
        </p>
      )}
      <SignInForm
        next={next}
        challenged={challenged}
        notice={
          providerError ? (
            <ProviderErrorNotice code={providerError} providerId={firstParam(params, 'provider')} />
          ) : null
        }
      >
        <ProviderButtons next={next} />
      </SignInForm>
      <div className="mt-6 space-y-2 text-sm">
        <p>
          <TextLink href="/forgot-password">Forgot your password?</TextLink>
        </p>
        <p className="text-muted-foreground">
          No account yet? <TextLink href={withNext('/sign-up', next)}>Create one</TextLink>
        </p>
      </div>
    </section>
  );
}

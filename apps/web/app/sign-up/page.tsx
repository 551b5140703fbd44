import type { Metadata } from 'next';

import { SignUpForm } from '@/app/sign-up/sign-up-form';
import { TextLink } from '@/components/ui/text-link';
import { safeNextPath, withNext } from '@/lib/next-path';
import { firstParam, type TSearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<TSearchParams>;
}) {
  const next = safeNextPath(firstParam(await searchParams, 'next'));
  return (
    <section className="mx-auto max-w-sm px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Create an account</h1>
      <p className="mt-2 text-muted-foreground">
        We email you a link to confirm the address; you are signed in once you open it.
      </p>
      <SignUpForm next={next} />
      <p className="mt-6 text-sm text-muted-foreground">
        Already have an account? <TextLink href={withNext('/sign-in', next)}>Sign in</TextLink>
      </p>
    </section>
  );
}

import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';

/** How far reading an organization page's list got, short of having it. */
export type TPageLoadStatus =
  | { kind: 'loading' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'failed'; message: string };

/**
 * What the page shows in its list's place: loading, or why not. A refusal (no active
 * organization, a role without the permission) comes with the way back to the organization.
 */
export function PageLoadStatus({ status }: { status: TPageLoadStatus }) {
  if (status.kind === 'loading') return <p className="mt-6 text-muted-foreground">Loading…</p>;
  return (
    <Notice tone="error" className="mt-6">
      {status.message}
      {status.kind === 'forbidden' ? (
        <>
          {' '}
          <TextLink href="/organization">Back to the organization</TextLink>
        </>
      ) : null}
    </Notice>
  );
}

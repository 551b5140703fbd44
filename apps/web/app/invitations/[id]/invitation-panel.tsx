'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

import { Button, buttonVariants } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';
import {
  fetchSession,
  getJson,
  postJson,
  readProblem,
  unreachableMessage,
  type TProblemSummary,
  type TSession,
} from '@/lib/api';
import { withNext } from '@/lib/next-path';

/** GET /v1/auth/organization/get-invitation (better-auth), the fields shown here. */
type TInvitation = {
  id: string;
  email: string;
  role: string;
  status: string;
  expiresAt: string;
  organizationName: string;
  inviterEmail: string;
};

type TState =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'unavailable'; problem: TProblemSummary; session: TSession }
  | { kind: 'failed'; message: string }
  | { kind: 'open'; invitation: TInvitation; session: TSession }
  | { kind: 'declined'; invitation: TInvitation };

const notRecipient = 'you_are_not_the_recipient_of_the_invitation';

function Unavailable({
  problem,
  session,
  path,
}: {
  problem: TProblemSummary;
  session: TSession;
  path: string;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);

  async function switchAccount() {
    try {
      const response = await postJson('/v1/auth/sign-out', {});
      if (!response.ok) {
        setError((await readProblem(response)).message);
        return;
      }
      router.push(withNext('/sign-in', path));
    } catch {
      setError(unreachableMessage);
    }
  }

  if (problem.reason === notRecipient) {
    return (
      <div className="mt-6 space-y-4">
        <Notice tone="error">
          This invitation was sent to another address. You are signed in as{' '}
          <span className="font-medium break-all">{session.user.email}</span>; sign in with the
          invited address to answer it.
        </Notice>
        {error ? <Notice tone="error">{error}</Notice> : null}
        <Button variant="outline" onClick={() => void switchAccount()}>
          Sign out and switch account
        </Button>
      </div>
    );
  }
  // better-auth answers 400 alike for an unknown, expired, revoked or already answered one.
  const gone = problem.status === 400 || problem.status === 404;
  return (
    <div className="mt-6 space-y-4">
      <Notice tone="error">
        {gone
          ? 'This invitation does not exist, has expired, or was already answered or revoked. Ask whoever invited you to send a new one.'
          : problem.message}
      </Notice>
      <p className="text-sm">
        <TextLink href="/organization">Go to your organizations</TextLink>
      </p>
    </div>
  );
}

export function InvitationPanel({ invitationId }: { invitationId: string }) {
  const router = useRouter();
  const path = `/invitations/${encodeURIComponent(invitationId)}`;
  const [state, setState] = useState<TState>({ kind: 'loading' });
  const [actionError, setActionError] = useState<string | null>(null);
  const [pending, setPending] = useState<'accept' | 'decline' | null>(null);

  useEffect(() => {
    let cancelled = false;
    async function load(): Promise<TState> {
      const session = await fetchSession();
      if (!session) return { kind: 'signed-out' };
      let response: Response;
      try {
        response = await getJson(
          `/v1/auth/organization/get-invitation?id=${encodeURIComponent(invitationId)}`,
        );
      } catch {
        throw new Error(unreachableMessage);
      }
      if (!response.ok)
        return { kind: 'unavailable', problem: await readProblem(response), session };
      return { kind: 'open', invitation: (await response.json()) as TInvitation, session };
    }
    load()
      .then((next) => {
        if (!cancelled) setState(next);
      })
      .catch((reason: unknown) => {
        if (!cancelled)
          setState({
            kind: 'failed',
            message: reason instanceof Error ? reason.message : unreachableMessage,
          });
      });
    return () => {
      cancelled = true;
    };
  }, [invitationId]);

  async function answer(action: 'accept' | 'decline', invitation: TInvitation) {
    setPending(action);
    setActionError(null);
    try {
      const response = await postJson(
        action === 'accept'
          ? '/v1/auth/organization/accept-invitation'
          : '/v1/auth/organization/reject-invitation',
        { invitationId: invitation.id },
      );
      if (!response.ok) {
        setActionError((await readProblem(response)).message);
        return;
      }
      // Accepting also makes the organization the session's active one.
      if (action === 'accept') router.push('/organization');
      else setState({ kind: 'declined', invitation });
    } catch {
      setActionError(unreachableMessage);
    } finally {
      setPending(null);
    }
  }

  switch (state.kind) {
    case 'loading':
      return <p className="mt-6 text-muted-foreground">Loading…</p>;
    case 'failed':
      return (
        <Notice tone="error" className="mt-6">
          {state.message}
        </Notice>
      );
    case 'signed-out':
      return (
        <div className="mt-6 space-y-4">
          <p>
            You are not signed in. Sign in with the address the invitation was sent to, or create an
            account for it, to see and answer the invitation.
          </p>
          <div className="flex flex-col gap-3 sm:flex-row">
            <Link href={withNext('/sign-in', path)} className={buttonVariants()}>
              Sign in
            </Link>
            <Link
              href={withNext('/sign-up', path)}
              className={buttonVariants({ variant: 'outline' })}
            >
              Create an account
            </Link>
          </div>
        </div>
      );
    case 'unavailable':
      return <Unavailable problem={state.problem} session={state.session} path={path} />;
    case 'declined':
      return (
        <div className="mt-6 space-y-4">
          <Notice tone="success">
            You declined the invitation to {state.invitation.organizationName}.
          </Notice>
          <p className="text-sm">
            <TextLink href="/account">Go to your account</TextLink>
          </p>
        </div>
      );
    case 'open': {
      const { invitation } = state;
      return (
        <div className="mt-6 space-y-6">
          <p className="text-lg">
            <span className="font-medium break-all">{invitation.inviterEmail}</span> invited you to
            join <span className="font-medium">{invitation.organizationName}</span>.
          </p>
          <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 rounded-lg border border-border p-4 text-sm">
            <dt className="text-muted-foreground">Organization</dt>
            <dd data-testid="invitation-organization">{invitation.organizationName}</dd>
            <dt className="text-muted-foreground">Role</dt>
            <dd data-testid="invitation-role">{invitation.role}</dd>
            <dt className="text-muted-foreground">Invited by</dt>
            <dd className="break-all">{invitation.inviterEmail}</dd>
            <dt className="text-muted-foreground">For</dt>
            <dd className="break-all">{invitation.email}</dd>
            <dt className="text-muted-foreground">Expires</dt>
            <dd>
              <time dateTime={invitation.expiresAt}>
                {new Date(invitation.expiresAt).toLocaleString()}
              </time>
            </dd>
          </dl>
          {actionError ? <Notice tone="error">{actionError}</Notice> : null}
          <div className="flex flex-col gap-3 sm:flex-row">
            <Button disabled={pending !== null} onClick={() => void answer('accept', invitation)}>
              {pending === 'accept' ? 'Accepting…' : 'Accept invitation'}
            </Button>
            <Button
              variant="outline"
              disabled={pending !== null}
              onClick={() => void answer('decline', invitation)}
            >
              {pending === 'decline' ? 'Declining…' : 'Decline'}
            </Button>
          </div>
        </div>
      );
    }
  }
}

'use client';

import { useCallback, useEffect, useState } from 'react';

import { ApiKeysSection } from '@/app/organization/api-keys-section';
import { InvitationsSection } from '@/app/organization/invitations-section';
import { LeaveOrganization } from '@/app/organization/leave-organization';
import { MembersSection } from '@/app/organization/members-section';
import { loadOrganizationView, type TOrganizationView } from '@/app/organization/organization-data';
import { OrganizationDetails } from '@/app/organization/organization-details';
import { OrganizationSwitcher } from '@/app/organization/organization-switcher';
import { ReportsSection } from '@/app/organization/reports-section';
import { RolesSection } from '@/app/organization/roles-section';
import { SettingsSection } from '@/app/organization/settings-section';
import { WebhooksSection } from '@/app/organization/webhooks-section';
import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';
import { unreachableMessage } from '@/lib/api';
import { withNext } from '@/lib/next-path';
import { capabilitiesOf } from '@/lib/roles';

export function OrganizationPanel() {
  const [view, setView] = useState<TOrganizationView | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [flash, setFlash] = useState<string | null>(null);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let cancelled = false;
    // A reload keeps the current view on screen until the new one arrives: no flash of
    // "Loading…", and focus stays where it was.
    loadOrganizationView()
      .then((next) => {
        if (cancelled) return;
        setView(next);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!cancelled) setError(reason instanceof Error ? reason.message : unreachableMessage);
      });
    return () => {
      cancelled = true;
    };
  }, [version]);

  if (error && !view)
    return (
      <Notice tone="error" className="mt-6">
        {error}
      </Notice>
    );
  if (view === undefined) return <p className="mt-6 text-muted-foreground">Loading…</p>;
  if (view.kind === 'signed-out') {
    return (
      <p className="mt-6">
        You are not signed in.{' '}
        <TextLink href={withNext('/sign-in', '/organization')}>Sign in</TextLink>
      </p>
    );
  }

  const activeId = view.kind === 'active' ? view.organization.id : null;
  return (
    <div className="mt-6 space-y-10">
      {error ? <Notice tone="error">{error}</Notice> : null}
      {flash ? <Notice tone="success">{flash}</Notice> : null}
      {view.kind === 'active' ? (
        <ActiveOrganization
          view={view}
          reload={reload}
          onLeft={(message) => {
            setFlash(message);
            reload();
          }}
        />
      ) : (
        <Notice>
          You have no active organization. Choose one of yours, or create one, to manage it here.
        </Notice>
      )}
      <OrganizationSwitcher
        organizations={view.organizations}
        activeId={activeId}
        onChanged={(message) => {
          setFlash(message);
          reload();
        }}
      />
    </div>
  );
}

function ActiveOrganization({
  view,
  reload,
  onLeft,
}: {
  view: Extract<TOrganizationView, { kind: 'active' }>;
  reload: () => void;
  onLeft: (message: string) => void;
}) {
  const capabilities = capabilitiesOf(view.me.role, view.roles);
  return (
    <>
      <OrganizationDetails
        // A different organization gets a fresh form; a rename of this one keeps its state.
        key={view.organization.id}
        organization={view.organization}
        role={view.me.role}
        canRename={capabilities.rename}
        reload={reload}
      />
      <MembersSection
        key={`members:${view.organization.id}`}
        members={view.members}
        myMemberId={view.me.id}
        organizationId={view.organization.id}
        organizationName={view.organization.name}
        capabilities={capabilities}
        reload={reload}
      />
      <InvitationsSection
        key={`invitations:${view.organization.id}`}
        invitations={view.invitations}
        organizationId={view.organization.id}
        capabilities={capabilities}
        reload={reload}
      />
      <RolesSection
        key={`roles:${view.organization.id}`}
        roles={view.roleDetails}
        canManage={capabilities.manageMembers}
        reload={reload}
      />
      {capabilities.manageSettings && view.settings ? (
        <SettingsSection
          key={`settings:${view.organization.id}`}
          settings={view.settings}
          reload={reload}
        />
      ) : null}
      {capabilities.manageApiKeys ? (
        <ApiKeysSection
          key={`api-keys:${view.organization.id}`}
          apiKeys={view.apiKeys}
          reload={reload}
        />
      ) : null}
      {capabilities.manageWebhooks ? <WebhooksSection /> : null}
      {capabilities.requestReports ? <ReportsSection /> : null}
      <LeaveOrganization
        key={`leave:${view.organization.id}`}
        organization={view.organization}
        onLeft={onLeft}
      />
    </>
  );
}

'use client';

import { useEffect, useState } from 'react';

import { ImpersonationList } from '@/app/admin/impersonations/impersonation-list';
import {
  StartImpersonationForm,
  type TPickablePerson,
} from '@/app/admin/impersonations/start-impersonation-form';
import type { TMember } from '@/app/organization/organization-data';
import { getJson } from '@/lib/api';

/**
 * The members of the superadmin's active organization, to pick by name; null when there is
 * none (or it cannot be read), which leaves the user-ID field. There is no API to search all
 * users: anyone else is started by their id.
 */
async function loadPeople(selfId: string): Promise<TPickablePerson[] | null> {
  try {
    const response = await getJson('/v1/auth/organization/list-members');
    if (response.status !== 200) return null;
    const body = (await response.json()) as { members?: TMember[] } | null;
    if (!Array.isArray(body?.members)) return null;
    return body.members
      .filter((member) => member.userId !== selfId)
      .map((member) => ({
        userId: member.userId,
        name: member.user.name,
        email: member.user.email,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return null;
  }
}

export function ImpersonationsPanel({ me }: { me: { id: string } }) {
  const [people, setPeople] = useState<TPickablePerson[] | null | undefined>(undefined);
  const [refreshKey, setRefreshKey] = useState(0);

  useEffect(() => {
    let current = true;
    void loadPeople(me.id).then((loaded) => {
      if (current) setPeople(loaded);
    });
    return () => {
      current = false;
    };
  }, [me.id]);

  const refresh = () => setRefreshKey((n) => n + 1);
  return (
    <div className="mt-8 space-y-10">
      {people === undefined ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : (
        <StartImpersonationForm people={people} />
      )}
      <ImpersonationList
        status="active"
        title="Running now"
        empty="Nobody is being impersonated."
        viewerId={me.id}
        refreshKey={refreshKey}
        onChanged={refresh}
      />
      <ImpersonationList
        status="ended"
        title="Past impersonations"
        empty="No impersonation has ended yet."
        viewerId={me.id}
        refreshKey={refreshKey}
        onChanged={refresh}
      />
    </div>
  );
}

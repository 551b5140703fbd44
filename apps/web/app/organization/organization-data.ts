import {
  ZApiKeyList,
  ZOrganizationSettings,
  ZRoleList,
  type TApiKey,
  type TOrganizationSettings,
  type TRole,
} from '@corebase/contracts';

import {
  fetchSession,
  getJson,
  problemMessage,
  unreachableMessage,
  type TSession,
} from '@/lib/api';
import { fallbackRoles, parseRoleList, type TRoleOption } from '@/lib/roles';

/** better-auth's organization plugin answers, the fields this page reads. */
export type TOrganizationSummary = { id: string; name: string; slug: string };

export type TMember = {
  id: string;
  userId: string;
  role: string;
  user: { id: string; name: string; email: string };
};

export type TInvitation = {
  id: string;
  email: string;
  role: string;
  status: string;
  expiresAt: string;
};

export type TOrganizationView =
  | { kind: 'signed-out' }
  | { kind: 'no-active'; session: TSession; organizations: TOrganizationSummary[] }
  | {
      kind: 'active';
      session: TSession;
      organizations: TOrganizationSummary[];
      organization: TOrganizationSummary;
      /** The caller's membership in it. */
      me: { id: string; role: string };
      members: TMember[];
      invitations: TInvitation[];
      roles: TRoleOption[];
      /** The roles in full (descriptions, member counts); null when they could not be read. */
      roleDetails: TRole[] | null;
      /** null when the caller may not read them or the server does not answer. */
      settings: TOrganizationSettings | null;
      /** null when the caller may not manage them or the server does not answer. */
      apiKeys: TApiKey[] | null;
    };

async function get<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await getJson(path);
  } catch {
    throw new Error(unreachableMessage);
  }
  if (!response.ok) throw new Error(await problemMessage(response));
  return (await response.json()) as T;
}

type TLoadedRoles = { options: TRoleOption[]; details: TRole[] | null };

/** GET /v1/roles when it answers; the built-in four otherwise (it may not exist yet). */
async function loadRoles(): Promise<TLoadedRoles> {
  const fallback: TLoadedRoles = { options: fallbackRoles, details: null };
  try {
    const response = await getJson('/v1/roles');
    if (response.status !== 200) return fallback;
    const body: unknown = await response.json();
    const details = ZRoleList.safeParse(body);
    return {
      options: parseRoleList(body) ?? fallbackRoles,
      details: details.success ? details.data.data : null,
    };
  } catch {
    return fallback;
  }
}

/** The settings are optional on this page: without them the section is not shown. */
async function loadSettings(): Promise<TOrganizationSettings | null> {
  try {
    const response = await getJson('/v1/organization/settings');
    if (response.status !== 200) return null;
    const settings = ZOrganizationSettings.safeParse(await response.json());
    return settings.success ? settings.data : null;
  } catch {
    return null;
  }
}

/** The API keys are optional too: only a caller with apikeys:manage may list them. */
async function loadApiKeys(): Promise<TApiKey[] | null> {
  try {
    const response = await getJson('/v1/api-keys');
    if (response.status !== 200) return null;
    const list = ZApiKeyList.safeParse(await response.json());
    return list.success ? list.data.data : null;
  } catch {
    return null;
  }
}

/** Everything the page shows, read in one go; throws with a sentence to show when it cannot. */
export async function loadOrganizationView(): Promise<TOrganizationView> {
  const session = await fetchSession();
  if (!session) return { kind: 'signed-out' };
  const organizations = await get<TOrganizationSummary[]>('/v1/auth/organization/list');
  const organization = organizations.find((org) => org.id === session.session.activeOrganizationId);
  // No active organization, or one the user has since left.
  if (!organization) return { kind: 'no-active', session, organizations };

  const [members, invitations, me, roles, settings, apiKeys] = await Promise.all([
    get<{ members: TMember[] }>('/v1/auth/organization/list-members'),
    get<TInvitation[]>('/v1/auth/organization/list-invitations'),
    get<{ id: string; role: string }>('/v1/auth/organization/get-active-member'),
    loadRoles(),
    loadSettings(),
    loadApiKeys(),
  ]);
  const now = Date.now();
  return {
    kind: 'active',
    session,
    organizations,
    organization,
    me,
    members: members.members,
    // The list holds every invitation ever sent; only open ones can be acted on.
    invitations: invitations.filter(
      (invitation) =>
        invitation.status === 'pending' && new Date(invitation.expiresAt).getTime() > now,
    ),
    roles: roles.options,
    roleDetails: roles.details,
    settings,
    apiKeys,
  };
}

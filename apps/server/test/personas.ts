import { newId } from '#server/platform/db/columns';
import type { TTestApp } from '#test/app';

export const personaNames = [
  'anonymous',
  'viewer',
  'member',
  'admin',
  'owner',
  'otherOrgOwner',
  'superadmin',
] as const;
export type TPersonaName = (typeof personaNames)[number];

export type TPersona = {
  name: TPersonaName;
  userId: string | null;
  /** Headers that authenticate as this persona (a session cookie), empty for anonymous. */
  headers: Record<string, string>;
  /** The role in organization A, when a member of it. */
  roleInOrgA: 'viewer' | 'member' | 'admin' | 'owner' | null;
};

export type TWorld = { orgA: string; orgB: string; personas: Record<TPersonaName, TPersona> };

const origin = 'http://localhost:3000';

/**
 * Two organizations and one user per persona, made through the real services and better-auth's
 * endpoints: sign-up over HTTP, organizations by the identity service (as the product does),
 * members added by better-auth's organization plugin, the active organization set per session.
 */
export async function buildWorld(t: TTestApp, tag: string): Promise<TWorld> {
  const { services } = t;
  const signUp = async (name: TPersonaName) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-up/email',
      headers: { origin },
      payload: { name, email: `${name}-${tag}@example.com`, password: `${name} password 1234` },
    });
    if (response.statusCode !== 200) throw new Error(`sign-up ${name}: ${response.body}`);
    const cookie = response.cookies.find((c) => c.name.endsWith('session_token'));
    const body = response.json<{ user: { id: string } }>();
    return {
      userId: body.user.id,
      headers: { origin, cookie: `${cookie!.name}=${cookie!.value}` },
    };
  };

  const users = {} as Record<TPersonaName, { userId: string; headers: Record<string, string> }>;
  for (const name of personaNames) if (name !== 'anonymous') users[name] = await signUp(name);

  const orgA = newId();
  const orgB = newId();
  await services.tenancy.withTenant(orgA, (tx) =>
    services.identity.createOrganization(tx, {
      id: orgA,
      name: 'Org A',
      slug: `org-a-${tag}`,
      ownerUserId: users.owner.userId,
    }),
  );
  await services.tenancy.withTenant(orgB, (tx) =>
    services.identity.createOrganization(tx, {
      id: orgB,
      name: 'Org B',
      slug: `org-b-${tag}`,
      ownerUserId: users.otherOrgOwner.userId,
    }),
  );
  for (const role of ['viewer', 'member', 'admin'] as const) {
    await services.auth.api.addMember({
      body: { userId: users[role].userId, role, organizationId: orgA },
    });
  }
  await services.tenancy.withPlatform((tx) =>
    services.identity.makeSuperadmin(tx, users.superadmin.userId),
  );

  const activate = async (name: TPersonaName, organizationId: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/set-active',
      headers: users[name].headers,
      payload: { organizationId },
    });
    if (response.statusCode !== 200) throw new Error(`set-active ${name}: ${response.body}`);
  };
  for (const name of ['viewer', 'member', 'admin', 'owner'] as const) await activate(name, orgA);
  await activate('otherOrgOwner', orgB);

  const personas = {} as Record<TPersonaName, TPersona>;
  for (const name of personaNames) {
    personas[name] = {
      name,
      userId: name === 'anonymous' ? null : users[name].userId,
      headers: name === 'anonymous' ? {} : users[name].headers,
      roleInOrgA:
        name === 'viewer' || name === 'member' || name === 'admin' || name === 'owner'
          ? name
          : null,
    };
  }
  return { orgA, orgB, personas };
}

import { permissions, rolePermissions, type TPermission } from '@corebase/contracts';
import { eq } from 'drizzle-orm';
import { users } from '#server/modules/identity/identity.schema';
import { newId } from '#server/platform/db/columns';
import type { TTestApp } from '#test/app';

export const personaNames = [
  'anonymous',
  'viewer',
  'member',
  'admin',
  'owner',
  'custom',
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
  roleInOrgA: 'viewer' | 'member' | 'admin' | 'owner' | typeof customRole.name | null;
  /** What that role grants in the persona's active organization (B for otherOrgOwner). */
  permissions: ReadonlySet<TPermission>;
};

export type TWorld = {
  orgA: string;
  /** Organization A's slug. */
  slugA: string;
  orgB: string;
  /** Organization A's custom role, held by the `custom` persona. */
  customRoleId: string;
  personas: Record<TPersonaName, TPersona>;
};

/** A custom role of organization A: reads the audit log and members, manages nothing. */
export const customRole = {
  name: 'auditor',
  permissions: ['organization:read', 'members:read', 'audit:read'] satisfies TPermission[],
} as const;

const origin = 'http://localhost:3000';

/**
 * Two organizations and one user per persona, made through the real services and better-auth's
 * endpoints: sign-up over HTTP, organizations by the identity service (as the product does),
 * members added by better-auth's organization plugin, the active organization set per session.
 */
export async function buildWorld(t: TTestApp, tag: string): Promise<TWorld> {
  const { services } = t;
  const signUp = (name: TPersonaName) =>
    signUpVerified(t, {
      name,
      email: `${name}-${tag}@example.com`,
      password: `${name} password 1234`,
    });

  const people = {} as Record<TPersonaName, TSignedIn>;
  for (const name of personaNames) if (name !== 'anonymous') people[name] = await signUp(name);

  const orgA = newId();
  const orgB = newId();
  await services.tenancy.withTenant(orgA, (tx) =>
    services.identity.createOrganization(tx, {
      id: orgA,
      name: 'Org A',
      slug: `org-a-${tag}`,
      ownerUserId: people.owner.userId,
    }),
  );
  await services.tenancy.withTenant(orgB, (tx) =>
    services.identity.createOrganization(tx, {
      id: orgB,
      name: 'Org B',
      slug: `org-b-${tag}`,
      ownerUserId: people.otherOrgOwner.userId,
    }),
  );
  const custom = await services.tenancy.withTenant(orgA, (tx) =>
    services.roles.create(
      tx,
      orgA,
      { userId: people.owner.userId, permissions: new Set(permissions) },
      { name: customRole.name, permissions: [...customRole.permissions] },
    ),
  );
  for (const name of ['viewer', 'member', 'admin', 'custom'] as const) {
    await services.auth.api.addMember({
      body: {
        userId: people[name].userId,
        role: (name === 'custom' ? customRole.name : name) as 'member',
        organizationId: orgA,
      },
    });
  }
  await services.tenancy.withPlatform((tx) =>
    services.identity.makeSuperadmin(tx, people.superadmin.userId),
  );

  const activate = async (name: TPersonaName, organizationId: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/organization/set-active',
      headers: people[name].headers,
      payload: { organizationId },
    });
    if (response.statusCode !== 200) throw new Error(`set-active ${name}: ${response.body}`);
  };
  for (const name of ['viewer', 'member', 'admin', 'owner', 'custom'] as const) {
    await activate(name, orgA);
  }
  await activate('otherOrgOwner', orgB);

  const personas = {} as Record<TPersonaName, TPersona>;
  for (const name of personaNames) {
    const roleInOrgA =
      name === 'viewer' || name === 'member' || name === 'admin' || name === 'owner'
        ? name
        : name === 'custom'
          ? customRole.name
          : null;
    personas[name] = {
      name,
      userId: name === 'anonymous' ? null : people[name].userId,
      headers: name === 'anonymous' ? {} : people[name].headers,
      roleInOrgA,
      permissions: new Set<TPermission>(
        name === 'otherOrgOwner'
          ? rolePermissions.owner
          : roleInOrgA === customRole.name
            ? customRole.permissions
            : roleInOrgA
              ? rolePermissions[roleInOrgA]
              : [],
      ),
    };
  }
  return { orgA, slugA: `org-a-${tag}`, orgB, customRoleId: custom.id!, personas };
}

export type TSignedIn = {
  userId: string;
  cookie: string;
  bearer: string;
  headers: Record<string, string>;
};

/**
 * A user signed up through the API whose address is then marked verified directly (a factory
 * shortcut for tests that are not about verification), and signed in.
 */
export async function signUpVerified(
  t: TTestApp,
  user: { name: string; email: string; password: string },
): Promise<TSignedIn> {
  const signUp = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/sign-up/email',
    headers: { origin },
    payload: user,
  });
  if (signUp.statusCode !== 200) throw new Error(`sign-up ${user.email}: ${signUp.body}`);
  await t.services.tenancy.withPlatform((tx) =>
    tx.update(users).set({ emailVerified: true }).where(eq(users.email, user.email.toLowerCase())),
  );
  const signIn = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/sign-in/email',
    headers: { origin },
    payload: { email: user.email, password: user.password },
  });
  if (signIn.statusCode !== 200) throw new Error(`sign-in ${user.email}: ${signIn.body}`);
  const cookie = signIn.cookies.find((c) => c.name.endsWith('session_token'))!;
  const cookieHeader = `${cookie.name}=${cookie.value}`;
  return {
    userId: signIn.json<{ user: { id: string } }>().user.id,
    cookie: cookieHeader,
    bearer: String(signIn.headers['set-auth-token']),
    headers: { origin, cookie: cookieHeader },
  };
}

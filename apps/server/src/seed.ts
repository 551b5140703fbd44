import { randomBytes } from 'node:crypto';
import type { Auth } from '#server/modules/auth/auth';
import type { IdentityService } from '#server/modules/identity/identity.service';
import { newId } from '#server/platform/db/columns';
import type { Tenancy } from '#server/platform/db/tenancy';

export const demo = {
  user: { name: 'Demo Owner', email: 'demo@corebase.local' },
  organization: { name: 'Acme Demo', slug: 'acme-demo' },
} as const;

export type TSeedResult = {
  created: boolean;
  organizationId: string;
  userId: string;
  /** The generated password, only when this run created the user: it is shown once. */
  password?: string;
};

type Deps = { identity: IdentityService; auth: Auth; tenancy: Tenancy };

/**
 * The demo data `npm start` shows on a fresh install: a superadmin with a generated password
 * (signed up through better-auth, so the password works at POST /v1/auth/sign-in/email) owning
 * the "Acme Demo" organization. Running it again changes nothing.
 */
export async function seedDemo({ identity, auth, tenancy }: Deps): Promise<TSeedResult> {
  let password: string | undefined;
  const findDemoUser = () =>
    tenancy.withPlatform((tx) => identity.findUserByEmail(tx, demo.user.email));
  let user = await findDemoUser();
  if (!user) {
    password = randomBytes(12).toString('base64url');
    await auth.api.signUpEmail({ body: { ...demo.user, password } });
    user = await findDemoUser();
    if (!user) throw new Error('demo seed: the user was not created');
    const userId = user.id;
    await tenancy.withPlatform((tx) => identity.makeSuperadmin(tx, userId));
  }
  const shown = password ? { password } : {};
  const existing = await tenancy.withPlatform((tx) =>
    identity.findOrganizationBySlug(tx, demo.organization.slug),
  );
  if (existing) return { created: false, organizationId: existing.id, userId: user.id, ...shown };
  const id = newId();
  const ownerUserId = user.id;
  await tenancy.withTenant(id, (tx) =>
    identity.createOrganization(tx, { id, ...demo.organization, ownerUserId }),
  );
  return { created: true, organizationId: id, userId: user.id, ...shown };
}

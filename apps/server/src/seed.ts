import { randomBytes } from 'node:crypto';
import type { Auth } from '#server/modules/auth/auth';
import type { IdentityService } from '#server/modules/identity/identity.service';

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

/**
 * The demo data `npm start` shows on a fresh install: a superadmin with a generated password
 * (signed up through better-auth, so the password works at POST /v1/auth/sign-in/email) owning
 * the "Acme Demo" organization. Running it again changes nothing.
 */
export async function seedDemo(identity: IdentityService, auth: Auth): Promise<TSeedResult> {
  let password: string | undefined;
  let user = await identity.findUserByEmail(demo.user.email);
  if (!user) {
    password = randomBytes(12).toString('base64url');
    await auth.api.signUpEmail({ body: { ...demo.user, password } });
    user = await identity.findUserByEmail(demo.user.email);
    if (!user) throw new Error('demo seed: the user was not created');
    await identity.makeSuperadmin(user.id);
  }
  const existingOrg = await identity.findOrganizationBySlug(demo.organization.slug);
  if (existingOrg) {
    return {
      created: false,
      organizationId: existingOrg.id,
      userId: user.id,
      ...(password ? { password } : {}),
    };
  }
  const organization = await identity.createOrganization({
    ...demo.organization,
    ownerUserId: user.id,
  });
  return {
    created: true,
    organizationId: organization.id,
    userId: user.id,
    ...(password ? { password } : {}),
  };
}

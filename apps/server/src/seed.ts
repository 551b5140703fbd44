import type { IdentityService } from '#server/modules/identity/identity.service';

export const demo = {
  user: { name: 'Demo Owner', email: 'demo@corebase.local' },
  organization: { name: 'Acme Demo', slug: 'acme-demo' },
} as const;

export type TSeedResult = { created: boolean; organizationId: string; userId: string };

/** The demo data `npm start` shows on a fresh install. Running it again changes nothing. */
export async function seedDemo(identity: IdentityService): Promise<TSeedResult> {
  const existingOrg = await identity.findOrganizationBySlug(demo.organization.slug);
  const user =
    (await identity.findUserByEmail(demo.user.email)) ??
    (await identity.createUser({ ...demo.user, superadmin: true }));
  if (existingOrg) return { created: false, organizationId: existingOrg.id, userId: user.id };
  const organization = await identity.createOrganization({
    ...demo.organization,
    ownerUserId: user.id,
  });
  return { created: true, organizationId: organization.id, userId: user.id };
}

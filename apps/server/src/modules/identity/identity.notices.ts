import type { TNotifyEvent, TRecipient } from '#server/modules/notifications/notifications.service';
import {
  findAdminEmails,
  findOrganizationById,
  findUserById,
} from '#server/modules/identity/identity.repository';
import type { Tenancy } from '#server/platform/db/tenancy';

/** Who identity's events notify, and what they read (the notifications module delivers it). */
export function identityNotices(deps: { tenancy: Tenancy }) {
  return {
    /** The member whose two-factor an administrator removed. */
    'member.two_factor_reset': (event: TNotifyEvent): Promise<TRecipient[]> =>
      deps.tenancy.withPlatform(async (tx) => {
        const userId = String(event.payload.userId);
        const user = await findUserById(tx, userId);
        if (!user) return [];
        const org = event.orgId ? await findOrganizationById(tx, event.orgId) : undefined;
        return [
          {
            userId,
            title: 'Two-factor authentication removed',
            body: `An administrator of ${org?.name ?? 'an organization'} removed your two-factor authentication. Set it up again from your account page.`,
            link: '/account',
          },
        ];
      }),
  };
}

/** An organization's name and its owners and admins, for other modules' notices. */
export function organizationAdmins(deps: { tenancy: Tenancy }) {
  return (orgId: string) =>
    deps.tenancy.withPlatform(async (tx) => ({
      organization: (await findOrganizationById(tx, orgId))?.name ?? 'an organization',
      admins: await findAdminEmails(tx, orgId),
    }));
}

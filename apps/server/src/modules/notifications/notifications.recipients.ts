import type { TNotifyEvent, TRecipient } from '#server/modules/notifications/notifications.service';
import {
  findAdminEmails,
  findOrganizationById,
  findUserById,
} from '#server/modules/identity/identity.repository';
import { endpointDisabledEmail } from '#server/modules/webhooks/webhooks.emails';
import type { Tenancy } from '#server/platform/db/tenancy';

/** Who each notification type reaches, and what it says to them. */
export function notificationRecipients(deps: { tenancy: Tenancy; publicUrl: string }) {
  return (event: TNotifyEvent): Promise<TRecipient[]> =>
    deps.tenancy.withPlatform(async (tx) => {
      const org = event.orgId ? await findOrganizationById(tx, event.orgId) : undefined;
      const organization = org?.name ?? 'an organization';
      switch (event.type) {
        case 'member.two_factor_reset': {
          const userId = String(event.payload.userId);
          const user = await findUserById(tx, userId);
          if (!user) return [];
          return [
            {
              userId,
              title: 'Two-factor authentication removed',
              body: `An administrator of ${organization} removed your two-factor authentication. Set it up again from your account page.`,
              link: '/account',
            },
          ];
        }
        case 'webhook_endpoint.disabled': {
          if (!event.orgId) return [];
          const url = String(event.payload.url);
          const endpointId = String(event.payload.endpointId);
          const failingSince = new Date(String(event.payload.failingSince));
          const admins = await findAdminEmails(tx, event.orgId);
          return admins.map((admin) => ({
            userId: admin.userId,
            title: 'Webhook endpoint disabled',
            body: `${url} in ${organization} failed every delivery since ${failingSince.toISOString()} and was disabled.`,
            link: `/organization/webhooks/${endpointId}`,
            email: endpointDisabledEmail(admin.email, admin.name, {
              organization,
              url,
              failingSince,
              manageUrl: `${deps.publicUrl}/organization/webhooks/${endpointId}`,
            }),
          }));
        }
      }
    });
}

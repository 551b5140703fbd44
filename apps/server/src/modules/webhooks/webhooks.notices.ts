import type { TNotifyEvent, TRecipient } from '#server/modules/notifications/notifications.service';
import { endpointDisabledEmail } from '#server/modules/webhooks/webhooks.emails';

/** Who the webhooks module's events notify, and what they read and are mailed. */
export function webhookNotices(deps: {
  /** The organization's name, and its owners and admins (from the identity module). */
  adminsOf: (orgId: string) => Promise<{
    organization: string;
    admins: { userId: string; email: string; name: string }[];
  }>;
  publicUrl: string;
}) {
  return {
    'webhook_endpoint.disabled': async (event: TNotifyEvent): Promise<TRecipient[]> => {
      if (!event.orgId) return [];
      const url = String(event.payload.url);
      const endpointId = String(event.payload.endpointId);
      const failingSince = new Date(String(event.payload.failingSince));
      const { organization, admins } = await deps.adminsOf(event.orgId);
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
    },
  };
}

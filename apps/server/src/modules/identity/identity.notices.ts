import type { TNotifyEvent, TRecipient } from '#server/modules/notifications/notifications.service';
import {
  findAdminEmails,
  findOrganizationById,
  findUserByEmail,
  findUserById,
} from '#server/modules/identity/identity.repository';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { noticeEmail } from '#server/platform/mail/layout';
import type { TMail } from '#server/platform/mail/mailer';

const orgNameOf = async (tx: Tx, orgId: string | null) =>
  (orgId ? await findOrganizationById(tx, orgId) : undefined)?.name ?? 'an organization';

/** Who identity's events notify, and what they read (the notifications module delivers it). */
export function identityNotices(deps: {
  tenancy: Tenancy;
  publicUrl: string;
  /** The security notice of a reset second factor (auth's template). */
  twoFactorResetMail: (to: string, name: string, organization: string) => TMail;
}) {
  return {
    /** The invited person, when they have an account already (everyone gets the invitation mail). */
    'invitation.created': (event: TNotifyEvent): Promise<TRecipient[]> =>
      deps.tenancy.withPlatform(async (tx) => {
        const invitee = await findUserByEmail(tx, String(event.payload.email).toLowerCase());
        if (!invitee) return [];
        const inviter = await findUserById(tx, String(event.payload.inviterUserId));
        const organization = await orgNameOf(tx, event.orgId);
        return [
          {
            userId: invitee.id,
            title: `Invitation to ${organization}`,
            body: `${inviter?.name ?? 'Someone'} invited you to join ${organization} as ${String(event.payload.role)}.`,
            link: `/invitations/${String(event.payload.invitationId)}`,
          },
        ];
      }),

    /** Whoever sent the invitation. */
    'invitation.accepted': (event: TNotifyEvent): Promise<TRecipient[]> =>
      deps.tenancy.withPlatform(async (tx) => {
        const inviter = await findUserById(tx, String(event.payload.inviterUserId));
        const member = await findUserById(tx, String(event.payload.userId));
        if (!inviter || !member || inviter.id === member.id) return [];
        const organization = await orgNameOf(tx, event.orgId);
        const body = `${member.name} (${member.email}) accepted your invitation and joined ${organization} as ${String(event.payload.role)}.`;
        return [
          {
            userId: inviter.id,
            title: `${member.name} joined ${organization}`,
            body,
            link: '/organization',
            email: noticeEmail(inviter.email, {
              subject: `${member.name} joined ${organization}`,
              title: 'Invitation accepted',
              paragraphs: [`Hello ${inviter.name},`, body],
              action: { label: 'See the members', url: `${deps.publicUrl}/organization` },
            }),
          },
        ];
      }),

    /** The member whose role changed (not when they changed it themselves). */
    'member.role_changed': (event: TNotifyEvent): Promise<TRecipient[]> =>
      deps.tenancy.withPlatform(async (tx) => {
        const userId = String(event.payload.userId);
        const byUserId = typeof event.payload.byUserId === 'string' ? event.payload.byUserId : null;
        if (userId === byUserId) return [];
        const member = await findUserById(tx, userId);
        if (!member) return [];
        const by = byUserId ? await findUserById(tx, byUserId) : undefined;
        const organization = await orgNameOf(tx, event.orgId);
        const body = `${by?.name ?? 'An administrator'} changed your role in ${organization} from ${String(event.payload.previousRole)} to ${String(event.payload.role)}.`;
        return [
          {
            userId,
            title: `Your role in ${organization} is now ${String(event.payload.role)}`,
            body,
            link: '/organization',
            email: noticeEmail(member.email, {
              subject: `Your role in ${organization} changed`,
              title: 'Your role changed',
              paragraphs: [
                `Hello ${member.name},`,
                body,
                'If you did not expect this, ask an owner of the organization.',
              ],
              action: { label: 'Open the organization', url: `${deps.publicUrl}/organization` },
            }),
          },
        ];
      }),

    /** The member whose two-factor an administrator removed. */
    'member.two_factor_reset': (event: TNotifyEvent): Promise<TRecipient[]> =>
      deps.tenancy.withPlatform(async (tx) => {
        const userId = String(event.payload.userId);
        const user = await findUserById(tx, userId);
        if (!user) return [];
        const organization = await orgNameOf(tx, event.orgId);
        return [
          {
            userId,
            title: 'Two-factor authentication removed',
            body: `An administrator of ${organization} removed your two-factor authentication. Set it up again from your account page.`,
            link: '/account',
            email: deps.twoFactorResetMail(user.email, user.name, organization),
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

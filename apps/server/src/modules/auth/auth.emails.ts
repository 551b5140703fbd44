import { layout } from '#server/platform/mail/layout';
import type { TMail } from '#server/platform/mail/mailer';

export function verificationEmail(to: string, name: string, url: string): TMail {
  return {
    to,
    subject: 'Confirm your email address for Corebase',
    ...layout(
      'Confirm your email address',
      [
        `Hello ${name},`,
        'Confirm that this address is yours to finish setting up your Corebase account. The link expires in one hour.',
      ],
      { label: 'Confirm email address', url },
    ),
  };
}

export function resetPasswordEmail(to: string, name: string, url: string): TMail {
  return {
    to,
    subject: 'Reset your Corebase password',
    ...layout(
      'Reset your password',
      [
        `Hello ${name},`,
        'Someone asked to reset the password of your Corebase account. If it was you, choose a new password with the link below; it works once and expires in one hour. If it was not you, ignore this message: your password stays as it is.',
      ],
      { label: 'Choose a new password', url },
    ),
  };
}

export function invitationEmail(
  to: string,
  details: {
    inviter: string;
    organization: string;
    role: string;
    invitationId: string;
    url: string;
  },
): TMail {
  return {
    to,
    subject: `${details.inviter} invited you to ${details.organization} on Corebase`,
    ...layout(
      `Join ${details.organization} on Corebase`,
      [
        `${details.inviter} invited you to join ${details.organization} as ${details.role}.`,
        `The invitation expires in seven days. Signed in as ${to}, accept it with the link below (invitation ${details.invitationId}), or ignore this message to decline.`,
      ],
      { label: 'Accept the invitation', url: details.url },
    ),
  };
}

export function changeEmailConfirmation(
  to: string,
  name: string,
  newEmail: string,
  url: string,
): TMail {
  return {
    to,
    subject: 'Approve the new email address of your Corebase account',
    ...layout(
      'Approve your new email address',
      [
        `Hello ${name},`,
        `Someone asked to change the email address of your Corebase account to ${newEmail}. If it was you, approve it below; we then send a link to the new address to verify it. If it was not you, ignore this message and change your password.`,
      ],
      { label: 'Approve the change', url },
    ),
  };
}

export function newSignInEmail(
  to: string,
  name: string,
  details: { when: Date; device: string; ip: string; resetUrl: string },
): TMail {
  return {
    to,
    subject: 'New sign-in to your Corebase account',
    ...layout(
      'New sign-in to your account',
      [
        `Hello ${name},`,
        `Your account was signed in to from a device we had not seen: ${details.device}, from ${details.ip}, at ${details.when.toUTCString()}.`,
        'If it was you, there is nothing to do. If it was not, reset your password now: that ends every session.',
      ],
      { label: 'Reset my password', url: details.resetUrl },
    ),
  };
}

export function twoFactorResetEmail(
  to: string,
  name: string,
  details: { organization: string; signInUrl: string },
): TMail {
  return {
    to,
    subject: 'Your Corebase two-factor authentication was reset',
    ...layout(
      'Your two-factor authentication was reset',
      [
        `Hello ${name},`,
        `An administrator of ${details.organization} turned off two-factor authentication for your account, and your trusted devices were forgotten. You sign in with your password alone until you turn it on again from your account page.`,
        'If you did not ask for this, tell your administrator and change your password.',
      ],
      { label: 'Sign in', url: details.signInUrl },
    ),
  };
}

export function impersonationNoticeEmail(
  to: string,
  name: string,
  details: { admin: string; reason: string; expiresAt: Date; accountUrl: string },
): TMail {
  return {
    to,
    subject: 'A Corebase administrator is acting in your account',
    ...layout(
      'An administrator is acting in your account',
      [
        `Hello ${name},`,
        `${details.admin}, a Corebase platform administrator, started acting as you, until ${details.expiresAt.toUTCString()} at the latest. The reason given: “${details.reason}”.`,
        'They cannot see or change your password, your email address, your two-factor authentication or your API keys, and everything they do is recorded in the audit log under their name. Their session is listed among your sessions, where you can end it.',
        'If you did not expect this, contact your administrator.',
      ],
      { label: 'See your sessions', url: details.accountUrl },
    ),
  };
}

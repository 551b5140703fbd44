import { expect, test } from '@playwright/test';

import {
  openVerificationLink,
  signIn,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';
import { linkIn, newestMailTo } from './mail';

test('the owner invites a new person, who signs up, accepts, and is promoted, then removed', async ({
  browser,
  page: owner,
}) => {
  test.setTimeout(90_000);
  const demoEmail = process.env.E2E_DEMO_EMAIL;
  const demoPassword = process.env.E2E_DEMO_PASSWORD;
  expect(demoEmail, 'the server printed a demo login at its first start').toBeTruthy();
  const checkOwnerErrors = watchPageErrors(owner);
  const inviteeEmail = uniqueEmail('invitee');
  const inviteeName = `Katherine ${inviteeEmail.split('@')[0]}`;

  // The owner's only organization is active from the first page of a new session.
  await signIn(owner, demoEmail!, demoPassword!);
  await expect(owner).toHaveURL(/\/account$/);
  await owner
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Organization' })
    .click();
  await expect(owner).toHaveURL(/\/organization$/);
  await expect(
    owner.getByRole('heading', { level: 2, name: 'Acme Demo', exact: true }),
  ).toBeVisible();
  await expect(owner.getByTestId('my-role')).toHaveText('owner');

  await owner.getByLabel('Email to invite').fill(inviteeEmail);
  await owner.getByLabel('Role', { exact: true }).selectOption('member');
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await expect(owner.getByText(`Invitation sent to ${inviteeEmail} as member.`)).toBeVisible();
  await expect(owner.getByTestId('invitation-row').filter({ hasText: inviteeEmail })).toBeVisible();

  // The invitee, in a browser of their own, follows the mailed invitation.
  const inviteeContext = await browser.newContext();
  const invitee = await inviteeContext.newPage();
  const checkInviteeErrors = watchPageErrors(invitee);
  const invitation = await newestMailTo(inviteeEmail, /invited you to Acme Demo/);
  await invitee.goto(linkIn(invitation, '/invitations/'));
  const invitationPath = new URL(invitee.url()).pathname;
  await expect(invitee.getByText('You are not signed in.')).toBeVisible();
  await invitee.getByRole('link', { name: 'Create an account' }).click();
  await expect(invitee).toHaveURL(/\/sign-up\?next=%2Finvitations%2F/);
  await submitSignUp(invitee, {
    name: inviteeName,
    email: inviteeEmail,
    password: strongPassword(),
  });
  await openVerificationLink(invitee, inviteeEmail);

  // The verification link comes back to the invitation, signed in.
  await expect(invitee).toHaveURL(new RegExp(`${invitationPath}$`));
  await expect(invitee.getByTestId('invitation-organization')).toHaveText('Acme Demo');
  await expect(invitee.getByTestId('invitation-role')).toHaveText('member');
  await expect(invitee.getByText(`${demoEmail} invited you to join Acme Demo.`)).toBeVisible();
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee).toHaveURL(/\/organization$/);
  await expect(
    invitee.getByRole('heading', { level: 2, name: 'Acme Demo', exact: true }),
  ).toBeVisible();
  await expect(invitee.getByTestId('my-role')).toHaveText('member');
  // A member manages nobody.
  await expect(invitee.getByRole('button', { name: /^Change role/ })).toHaveCount(0);
  await expect(invitee.getByLabel('Email to invite')).toHaveCount(0);

  // The owner sees the new member, no longer as a pending invitation, and promotes them.
  await owner.reload();
  const row = owner.getByTestId('member-row').filter({ hasText: inviteeEmail });
  await expect(row).toContainText(inviteeName);
  await expect(owner.getByTestId('invitation-row').filter({ hasText: inviteeEmail })).toHaveCount(
    0,
  );
  await owner.getByLabel(`Role for ${inviteeName}`).selectOption('admin');
  await owner.getByRole('button', { name: `Change role of ${inviteeName}` }).click();
  await expect(owner.getByText(`${inviteeName} is now admin.`)).toBeVisible();
  await expect(owner.getByLabel(`Role for ${inviteeName}`)).toHaveValue('admin');

  await invitee.reload();
  await expect(invitee.getByTestId('my-role')).toHaveText('admin');

  await owner.getByRole('button', { name: `Remove ${inviteeName}` }).click();
  await owner
    .getByRole('group', { name: `Remove ${inviteeName} from Acme Demo?` })
    .getByRole('button', { name: 'Remove' })
    .click();
  await expect(owner.getByText(`Removed ${inviteeName} from Acme Demo.`)).toBeVisible();
  await expect(owner.getByTestId('member-row').filter({ hasText: inviteeEmail })).toHaveCount(0);

  await invitee.reload();
  await expect(invitee.getByText('You have no active organization.')).toBeVisible();
  await expect(invitee.getByRole('button', { name: 'Switch to Acme Demo' })).toHaveCount(0);

  checkOwnerErrors();
  checkInviteeErrors();
  await inviteeContext.close();
});

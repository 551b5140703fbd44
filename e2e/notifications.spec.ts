import { expect, test } from '@playwright/test';

import {
  openVerificationLink,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';

test('opens notifications from the header, sees none yet, turns an email channel off for good', async ({
  page,
}) => {
  const checkErrors = watchPageErrors(page);
  const email = uniqueEmail('notifications');

  // Signed out, the header offers no notifications.
  await page.goto('/');
  const header = page.getByRole('navigation', { name: 'Main' });
  await expect(header.getByRole('link', { name: 'Account' })).toBeVisible();
  await expect(header.getByRole('link', { name: /Notifications/ })).toHaveCount(0);

  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Radia Perlman', email, password: strongPassword() });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // Nothing unread for a new account: the link carries no count.
  const link = header.getByRole('link', { name: 'Notifications', exact: true });
  await expect(link).toHaveText('Notifications');
  await link.click();
  await expect(page).toHaveURL(/\/notifications$/);
  await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible();
  await expect(page.getByText('No notifications yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Mark all read' })).toHaveCount(0);

  const preferences = page.getByRole('region', { name: 'Preferences' });
  const webhook = preferences.getByRole('group', { name: /webhook endpoint .* was disabled/ });
  const twoFactor = preferences.getByRole('group', { name: /two-factor authentication/ });
  // Only the channels a type uses are offered.
  await expect(twoFactor.getByLabel('In the app')).toBeChecked();
  await expect(twoFactor.getByLabel('Email')).toHaveCount(0);
  await expect(webhook.getByLabel('In the app')).toBeChecked();
  await expect(webhook.getByLabel('Email')).toBeChecked();

  await webhook.getByLabel('Email').uncheck();
  await preferences.getByRole('button', { name: 'Save preferences' }).click();
  await expect(preferences.getByRole('status')).toHaveText(
    'Your notification preferences are saved.',
  );

  await page.reload();
  await expect(webhook.getByLabel('Email')).not.toBeChecked();
  await expect(webhook.getByLabel('In the app')).toBeChecked();
  await expect(twoFactor.getByLabel('In the app')).toBeChecked();
  checkErrors();
});

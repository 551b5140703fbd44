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

test.describe('the daily digest', () => {
  // The shortcut offers the browser's zone when it differs from the chosen one (UTC at first).
  test.use({ timezoneId: 'Europe/Paris' });

  test('takes the browser time zone and an hour, then another zone, and keeps them', async ({
    page,
  }) => {
    const checkErrors = watchPageErrors(page);
    const email = uniqueEmail('digest');
    await page.goto('/sign-up');
    await submitSignUp(page, { name: 'Frances Allen', email, password: strongPassword() });
    await openVerificationLink(page, email);
    await expect(page.getByTestId('account-email')).toHaveText(email);

    await page.goto('/notifications');
    const digest = page.getByRole('region', { name: 'Daily digest' });
    const zone = digest.getByLabel('Time zone');
    const hour = digest.getByLabel('Hour');
    const shortcut = digest.getByRole('button', {
      name: 'Use this browser’s time zone (Europe/Paris)',
    });
    await expect(zone).toHaveValue('UTC');
    await shortcut.click();
    await expect(zone).toHaveValue('Europe/Paris');
    await expect(shortcut).toHaveCount(0);
    await hour.selectOption({ label: '07:00' });
    await digest.getByLabel('Send me a daily digest').check();
    await digest.getByRole('button', { name: 'Save digest' }).click();
    await expect(digest.getByRole('status')).toHaveText('Your digest settings are saved.');
    await expect(digest.getByTestId('digest-next')).toHaveText(
      /^Next digest: .*07:00 \(Europe\/Paris\)$/,
    );

    await page.reload();
    await expect(zone).toHaveValue('Europe/Paris');
    await expect(hour).toHaveValue('7');
    await expect(digest.getByLabel('Send me a daily digest')).toBeChecked();
    await expect(shortcut).toHaveCount(0);
    await expect(digest.getByTestId('digest-next')).toHaveText(
      /^Next digest: .*07:00 \(Europe\/Paris\)$/,
    );

    // A zone other than the browser's: kept too, and the shortcut is offered again.
    await zone.selectOption('Asia/Tokyo');
    await hour.selectOption({ label: '21:00' });
    await digest.getByRole('button', { name: 'Save digest' }).click();
    await expect(digest.getByRole('status')).toHaveText('Your digest settings are saved.');
    await page.reload();
    await expect(zone).toHaveValue('Asia/Tokyo');
    await expect(hour).toHaveValue('21');
    await expect(shortcut).toBeVisible();
    await expect(digest.getByTestId('digest-next')).toHaveText(
      /^Next digest: .*21:00 \(Asia\/Tokyo\)$/,
    );
    checkErrors();
  });
});

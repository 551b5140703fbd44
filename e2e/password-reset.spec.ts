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

test('forgets the password, sets a new one from the mailed link, signs in with it', async ({
  page,
}) => {
  const checkErrors = watchPageErrors(page);
  const email = uniqueEmail('reset');
  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Grace Hopper', email, password: strongPassword() });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText('If an account uses this address')).toBeVisible();

  const link = linkIn(
    await newestMailTo(email, /Reset your Corebase password/),
    '/reset-password/',
  );
  await page.goto(link);
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  const newPassword = strongPassword();
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/sign-in\?reset=1$/);
  await expect(page.getByText('Your password was changed')).toBeVisible();

  await signIn(page, email, newPassword);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // The link works once: opened again, it says so and offers a new one.
  await page.goto(link);
  await expect(page).toHaveURL(/\/reset-password\?error=INVALID_TOKEN$/);
  await expect(page.getByText('This reset link is invalid')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Request a new link' })).toBeVisible();
  checkErrors();
});

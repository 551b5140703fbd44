import { expect, test } from '@playwright/test';

import {
  openVerificationLink,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';

test('signs up, is refused a leaked password, verifies by mail and lands signed in', async ({
  page,
}) => {
  const checkErrors = watchPageErrors(page);
  const email = uniqueEmail('sign-up');

  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Create one' }).click();
  await expect(page).toHaveURL(/\/sign-up$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Create an account' })).toBeVisible();

  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Use at least 10 characters.')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeFocused();

  // Long enough, but on the list of leaked passwords the server checks.
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText(/appears in lists of leaked passwords/)).toBeVisible();

  await submitSignUp(page, { name: 'Ada Lovelace', email, password: strongPassword() });
  await expect(page.getByText(email)).toBeVisible();

  await openVerificationLink(page, email);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  checkErrors();
});

test('the account pages fit a 360 px screen in dark mode', async ({ page }) => {
  const checkErrors = watchPageErrors(page);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.emulateMedia({ colorScheme: 'dark' });
  const pages = [
    ['/sign-in', 'Sign in'],
    ['/sign-up', 'Create an account'],
    ['/forgot-password', 'Forgot your password?'],
    ['/reset-password?error=INVALID_TOKEN', 'Choose a new password'],
    ['/invitations/0190a1b2-0000-7000-8000-000000000000', 'Invitation'],
    ['/organization', 'Organization'],
  ] as const;
  for (const [path, heading] of pages) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${path} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  }
  checkErrors();
});

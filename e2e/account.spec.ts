import { expect, test } from '@playwright/test';

test('signs in with the demo login printed at first start, sees the account, signs out', async ({
  page,
}) => {
  const email = process.env.E2E_DEMO_EMAIL;
  const password = process.env.E2E_DEMO_PASSWORD;
  expect(email, 'the server printed a demo login at its first start').toBeTruthy();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email!);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Next.js's route announcer is an alert too: find ours by its text.
  await expect(
    page.getByRole('alert').filter({ hasText: 'Invalid email or password' }),
  ).toBeVisible();

  await page.getByLabel('Password').fill(password!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email!);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto('/account');
  await expect(page.getByText('You are not signed in.')).toBeVisible();
  // The failed sign-in's 401 is the only expected console error.
  expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
});

import { expect, test } from '@playwright/test';

import { signIn, watchPageErrors } from './accounts';

// The narrowest phone the app supports, in dark mode: the role form must work there too.
test.use({ viewport: { width: 360, height: 800 }, colorScheme: 'dark' });

test('the owner creates a custom role with two permissions, sees it listed, and deletes it', async ({
  page,
}) => {
  const demoEmail = process.env.E2E_DEMO_EMAIL;
  const demoPassword = process.env.E2E_DEMO_PASSWORD;
  expect(demoEmail, 'the server printed a demo login at its first start').toBeTruthy();
  const checkErrors = watchPageErrors(page);
  const roleName = `auditor-${Date.now().toString(36)}`;

  await signIn(page, demoEmail!, demoPassword!);
  await expect(page).toHaveURL(/\/account$/);
  await page.goto('/organization');
  const roles = page.getByRole('region', { name: 'Roles' });
  await expect(roles.getByTestId('role-row').filter({ hasText: 'owner' }).first()).toBeVisible();

  await roles.getByRole('button', { name: 'New role' }).click();
  const form = roles.getByRole('form', { name: 'New role' });
  await form.getByLabel('Role name').fill(roleName);
  await form.getByLabel('Description', { exact: true }).fill('Reads the audit log');
  await form.getByLabel('audit:read').check();
  await form.getByLabel('companies:read').check();
  await form.getByRole('button', { name: 'Create role' }).click();
  await expect(roles.getByText(`Created the role ${roleName}.`)).toBeVisible();

  const row = roles.getByTestId('role-row').filter({ hasText: roleName });
  await expect(row).toContainText('custom · 0 members');
  await expect(row.getByRole('list', { name: `Permissions of ${roleName}` })).toHaveText(
    /companies:read.*audit:read|audit:read.*companies:read/,
  );

  await row.getByRole('button', { name: `Delete the role ${roleName}` }).click();
  await row
    .getByRole('group', { name: `Delete the role ${roleName}?` })
    .getByRole('button', { name: 'Delete' })
    .click();
  await expect(roles.getByText(`Deleted the role ${roleName}.`)).toBeVisible();
  await expect(roles.getByTestId('role-row').filter({ hasText: roleName })).toHaveCount(0);

  checkErrors();
});

test('requiring two-factor shows the server refusal while the owner has none', async ({ page }) => {
  const checkErrors = watchPageErrors(page);
  await signIn(page, process.env.E2E_DEMO_EMAIL!, process.env.E2E_DEMO_PASSWORD!);
  await expect(page).toHaveURL(/\/account$/);
  await page.goto('/organization');
  const settings = page.getByRole('region', { name: 'Settings' });
  const requirement = settings.getByRole('switch', {
    name: 'Require two-factor authentication for all members',
  });
  await expect(requirement).toHaveAttribute('aria-checked', 'false');
  await requirement.press('Space');
  await expect(requirement).toHaveAttribute('aria-checked', 'true');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(settings.getByRole('alert')).toContainText(
    'Turn on two-factor authentication for yourself first',
  );
  checkErrors();
});

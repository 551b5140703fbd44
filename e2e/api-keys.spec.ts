import { expect, test } from '@playwright/test';

import { signIn, watchPageErrors } from './accounts';

// The narrowest phone the app supports, in dark mode: the key form must work there too.
test.use({ viewport: { width: 360, height: 800 }, colorScheme: 'dark' });

test('the owner creates an API key, it reads the organization, and once revoked it is refused', async ({
  page,
  request,
  baseURL,
}) => {
  const demoEmail = process.env.E2E_DEMO_EMAIL;
  const demoPassword = process.env.E2E_DEMO_PASSWORD;
  expect(demoEmail, 'the server printed a demo login at its first start').toBeTruthy();
  const checkErrors = watchPageErrors(page);
  const keyName = `ci-${Date.now().toString(36)}`;

  await signIn(page, demoEmail!, demoPassword!);
  await expect(page).toHaveURL(/\/account$/);
  await page.goto('/organization');
  const section = page.getByRole('region', { name: 'API keys' });
  await section.getByRole('button', { name: 'New API key' }).click();
  const form = section.getByRole('form', { name: 'New API key' });
  await form.getByLabel('Key name').fill(keyName);
  await form.getByLabel('organization:read').check();
  await form.getByLabel('Expires after (days)').fill('7');
  await form.getByRole('button', { name: 'Create API key' }).click();
  await expect(section.getByText(`Created the API key ${keyName}.`)).toBeVisible();

  const created = section.getByRole('region', { name: `Your new API key: ${keyName}` });
  await expect(created).toContainText('it is not shown again');
  const keyField = created.getByRole('textbox', { name: 'API key' });
  await expect(keyField).toHaveAttribute('readonly', '');
  await expect(keyField).toBeFocused();
  const key = await keyField.inputValue();
  expect(key).toMatch(/^cbk_/);

  const row = section.getByTestId('api-key-row').filter({ hasText: keyName });
  await expect(row).toContainText('Active');
  await expect(row).toContainText(key.slice(0, 12));
  await expect(row.getByRole('list', { name: `Permissions of ${keyName}` })).toHaveText(
    'organization:read',
  );

  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'the key and its row fit a 360 px screen').toBeLessThanOrEqual(0);

  const withKey = { headers: { 'x-api-key': key } };
  expect((await request.get(`${baseURL}/v1/organization`, withKey)).status()).toBe(200);

  await created.getByRole('button', { name: 'I have copied it' }).click();
  await expect(created).toHaveCount(0);

  await row.getByRole('button', { name: `Revoke the API key ${keyName}` }).click();
  await row
    .getByRole('group', { name: `Revoke the API key ${keyName}? It stops working at once.` })
    .getByRole('button', { name: 'Revoke' })
    .click();
  await expect(section.getByText(`Revoked the API key ${keyName}.`)).toBeVisible();
  await expect(row).toContainText('Revoked');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);

  expect((await request.get(`${baseURL}/v1/organization`, withKey)).status()).toBe(401);

  checkErrors();
});

test('a key without a permission is refused before it is sent', async ({ page }) => {
  const checkErrors = watchPageErrors(page);
  await signIn(page, process.env.E2E_DEMO_EMAIL!, process.env.E2E_DEMO_PASSWORD!);
  await expect(page).toHaveURL(/\/account$/);
  await page.goto('/organization');
  const section = page.getByRole('region', { name: 'API keys' });
  await section.getByRole('button', { name: 'New API key' }).click();
  const form = section.getByRole('form', { name: 'New API key' });
  await form.getByLabel('Key name').fill('no permissions');
  await form.getByRole('button', { name: 'Create API key' }).click();
  await expect(form.getByText('Give the key at least one permission.')).toBeVisible();
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toHaveCount(0);
  checkErrors();
});

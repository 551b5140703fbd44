import { test as base, expect } from '@playwright/test';

/**
 * Fails any test whose page logged a console error or threw. CSP violations surface as
 * console errors, so this also proves the nonce reaches every script the page runs.
 */
const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') {
          const { url } = message.location();
          errors.push(url ? `${message.text()} (${url})` : message.text());
        }
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await use(errors);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
});

// Pin the system preference so "the first press switches to dark" holds on every machine.
test.use({ colorScheme: 'light' });

const hasClass = (name: string) => new RegExp(`(^|\\s)${name}(\\s|$)`);

test('home page presents Corebase under a nonce-based CSP', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("'nonce-");
  await expect(page.getByRole('heading', { level: 1, name: /Corebase/ })).toBeVisible();
  await expect(page.getByRole('link', { name: 'API docs' })).toHaveAttribute('href', '/docs');
});

test('theme toggle switches the html class and survives a reload', async ({ page }) => {
  await page.goto('/');
  const html = page.locator('html');
  const toggle = page.getByRole('button', { name: 'Toggle theme' });

  await expect(html).toHaveClass(hasClass('light'));
  await toggle.click();
  await expect(html).toHaveClass(hasClass('dark'));
  await expect(html).not.toHaveClass(hasClass('light'));

  await page.reload();
  await expect(html).toHaveClass(hasClass('dark'));

  await toggle.click();
  await expect(html).toHaveClass(hasClass('light'));
});

test('status page reports the database check as ok', async ({ page }) => {
  await page.goto('/');
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Status' })
    .click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole('heading', { level: 1, name: 'System status' })).toBeVisible();
  await expect(page.getByTestId('overall-status')).toContainText('All systems ready');
  const database = page.getByTestId('check-database');
  await expect(database).toHaveAttribute('data-status', 'ok');
  await expect(database).toContainText('OK');

  // A direct load as well, so the status document itself is checked against its CSP.
  const response = await page.goto('/status');
  expect(response?.headers()['content-security-policy']).toContain("'nonce-");
  await expect(page.getByTestId('check-database')).toHaveAttribute('data-status', 'ok');
});

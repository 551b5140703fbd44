import { expect, test, type Page } from '@playwright/test';

import {
  openVerificationLink,
  signIn,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';

function demoLogin(): { email: string; password: string } {
  const email = process.env.E2E_DEMO_EMAIL;
  const password = process.env.E2E_DEMO_PASSWORD;
  expect(email, 'the server printed a demo login at its first start').toBeTruthy();
  return { email: email!, password: password! };
}

/** From the account page, through the link only superadmins get. */
async function openJobs(page: Page) {
  await page.goto('/account');
  await page
    .getByRole('region', { name: 'Administration' })
    .getByRole('link', { name: 'Jobs' })
    .click();
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
}

test('a superadmin sees the health of every queue and that no job is stuck', async ({ page }) => {
  const demo = demoLogin();
  const checkErrors = watchPageErrors(page);
  await signIn(page, demo.email, demo.password);
  await expect(page).toHaveURL(/\/account$/);
  await openJobs(page);

  // The server's scheduled clean-ups run in the maintenance queue; e2e runs the inline driver.
  const health = page.getByRole('region', { name: 'Queue health' });
  await expect(health.getByTestId('queue-driver')).toContainText('inline');
  await expect(health.getByRole('link', { name: 'Open the queue board' })).toHaveCount(0);
  const maintenance = health.getByRole('row').filter({
    has: page.getByRole('rowheader', { name: 'maintenance', exact: true }),
  });
  await expect(maintenance).toHaveCount(1);
  await expect(maintenance.getByRole('cell').last()).toHaveText(/^(—|[\d,.]+ ms)$/);
  await expect(maintenance.getByRole('cell').nth(6)).toHaveText(/^\d+(\.\d)?%$/);

  // Nothing dead-letters in a browser journey: the list is empty, filtered or not.
  const deadLetters = page.getByRole('region', { name: 'Dead letters' });
  await expect(deadLetters.getByTestId('dead-letters-empty')).toHaveText(
    'No dead letters: no job is stuck.',
  );
  await expect(deadLetters.getByRole('toolbar', { name: 'Selected dead letters' })).toHaveCount(0);
  const filter = deadLetters.getByRole('form', { name: 'Filter dead letters' });
  await filter.getByLabel('Job name').fill('companies.import-csv');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await expect(deadLetters.getByTestId('dead-letters-empty')).toHaveText(
    'No dead letters of companies.import-csv.',
  );
  await filter.getByRole('button', { name: 'Show all' }).click();
  await expect(deadLetters.getByTestId('dead-letters-empty')).toHaveText(
    'No dead letters: no job is stuck.',
  );

  // Another window reads the table again.
  await health.getByLabel('Window').selectOption({ label: 'Last 24 hours' });
  await expect(maintenance).toHaveCount(1);
  checkErrors();
});

test('anyone but a superadmin is told the jobs page is for platform superadmins', async ({
  page,
}) => {
  // Signed out: to the sign-in page, which comes back here.
  await page.goto('/admin/jobs');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fadmin%2Fjobs$/);

  const email = uniqueEmail('plain-jobs');
  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Plain User', email, password: strongPassword() });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect(page.getByRole('region', { name: 'Administration' })).toHaveCount(0);

  await page.goto('/admin/jobs');
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(
    'Only platform superadmins can see job queues and dead letters.',
  );
  await expect(page.getByRole('region', { name: 'Queue health' })).toHaveCount(0);
  // The API behind the page refuses them the same way.
  expect((await page.request.get('/v1/admin/queues')).status()).toBe(403);
});

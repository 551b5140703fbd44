import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { expect, request, test } from '@playwright/test';

import {
  openVerificationLink,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';

/** A local day as `<input type="date">` holds it; the browser and this runner share a zone. */
function dayValue(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

test('an owner requests a members CSV and an activity PDF, downloads both, and is notified', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const checkErrors = watchPageErrors(page);
  const email = uniqueEmail('reports');

  // A new person with an organization of their own, which makes them its owner.
  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Grace Hopper', email, password: strongPassword() });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await page.goto('/organization');
  const create = page.getByRole('form', { name: 'Create an organization' });
  await create.getByLabel('Name').fill(`Reports ${randomBytes(3).toString('hex')}`);
  await create.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByTestId('my-role')).toHaveText('owner');

  await page
    .getByRole('region', { name: 'Reports' })
    .getByRole('link', { name: 'Open reports' })
    .click();
  await expect(page).toHaveURL(/\/organization\/reports$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
  await expect(page.getByText('No reports yet')).toBeVisible();

  // Members: no period, the kind's description read with the choice.
  const form = page.getByRole('form', { name: 'Request a report' });
  const kind = form.getByLabel('Report', { exact: true });
  await kind.selectOption({ label: 'Members' });
  await expect(kind).toHaveAccessibleDescription(/Everyone in the organization/);
  await expect(form.getByLabel('From', { exact: true })).toHaveCount(0);
  await form.getByLabel('Format').selectOption('csv');
  await form.getByRole('button', { name: 'Request report' }).click();
  await expect(page.getByText('Requested the Members report (CSV).')).toBeVisible();

  const rows = page.getByTestId('report-row');
  const members = rows.filter({ hasText: 'Members report (CSV)' });
  await expect(members).toHaveCount(1);
  // Queued as the server answered, for the 1.5 s until the first poll at least.
  await expect(members.getByRole('progressbar')).toBeVisible();
  await expect(members.getByTestId('report-status')).toHaveText('Ready', { timeout: 30_000 });
  await expect(members.getByRole('progressbar')).toHaveCount(0);
  await expect(members.getByTestId('report-file')).toContainText('1 row');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    members.getByRole('link', { name: /^Download / }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  expect(csv).toContain(email);

  // Activity: a period, the last 30 days unless changed.
  await kind.selectOption({ label: 'Activity' });
  const now = new Date();
  const monthAgo = new Date(now);
  monthAgo.setDate(monthAgo.getDate() - 30);
  await expect(form.getByLabel('From', { exact: true })).toHaveValue(dayValue(monthAgo));
  await expect(form.getByLabel('To', { exact: true })).toHaveValue(dayValue(now));
  await form.getByLabel('Format').selectOption('pdf');
  await form.getByRole('button', { name: 'Request report' }).click();
  await expect(page.getByText('Requested the Activity report (PDF).')).toBeVisible();
  const activity = rows.filter({ hasText: 'Activity report (PDF)' });
  await expect(activity.getByTestId('report-status')).toHaveText('Ready', { timeout: 30_000 });
  await expect(activity).toContainText('Period');
  // Newest first.
  await expect(rows.first()).toContainText('Activity report (PDF)');

  // The signed link needs no session: fetched from a context without cookies.
  const href = await activity.getByRole('link', { name: /^Download / }).getAttribute('href');
  expect(href).toBeTruthy();
  const anonymous = await request.newContext({ baseURL });
  try {
    const response = await anonymous.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('application/pdf');
    expect((await response.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  } finally {
    await anonymous.dispose();
  }

  // Each ready report is a notification that leads back to this page.
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /^Notifications/ })
    .click();
  await expect(page).toHaveURL(/\/notifications$/);
  const membersReady = page.getByRole('button', { name: /Members report \(CSV\) ready/ });
  // Made by a job after the report's event: it may land a moment after the file.
  await expect(async () => {
    await page.reload();
    await expect(membersReady).toBeVisible({ timeout: 1_000 });
    await expect(page.getByRole('button', { name: /Activity report \(PDF\) ready/ })).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 20_000 });
  await membersReady.click();
  await expect(page).toHaveURL(/\/organization\/reports$/);
  await expect(members.getByTestId('report-status')).toHaveText('Ready');

  checkErrors();
});

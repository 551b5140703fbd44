import { readFile } from 'node:fs/promises';

import { expect, test, type Page } from '@playwright/test';

import {
  openVerificationLink,
  signIn,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';
import { freshTotpCode, wrongTotpCode } from './totp';

async function expectNoSidewaysScroll(page: Page, where: string) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${where} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
}

async function signOut(page: Page) {
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

test('turns on two-factor, signs in with an app code and with a backup code, turns it off', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const checkErrors = watchPageErrors(page);
  // The whole journey on a small screen in dark mode: every step has to fit there.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.emulateMedia({ colorScheme: 'dark' });
  const email = uniqueEmail('two-factor');
  const password = strongPassword();

  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Margaret Hamilton', email, password });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // Set-up: password, QR code and key, a confirming code, then the backup codes once.
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await expect(section.getByTestId('two-factor-status')).toContainText('Off.');
  await section.getByRole('button', { name: 'Turn on' }).click();
  const passwordField = section.getByLabel('Your password');
  await expect(passwordField).toBeFocused();
  await passwordField.fill('not my password');
  await section.getByRole('button', { name: 'Continue' }).click();
  await expect(section.getByText('Invalid password')).toBeVisible();
  await expect(passwordField).toBeFocused();
  await passwordField.fill(password);
  await section.getByRole('button', { name: 'Continue' }).click();

  const qrCode = section.getByRole('img', { name: /QR code for your authenticator app/ });
  await expect(qrCode).toBeVisible();
  // Decoded, so the data: URL got past the CSP's img-src.
  expect(await qrCode.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const secret = (await section.getByTestId('totp-secret').textContent())?.replace(/\s/g, '');
  expect(secret, 'the key for typing in').toMatch(/^[A-Z2-7]{16,}$/);
  await expectNoSidewaysScroll(page, 'the set-up step');
  await section
    .getByLabel('Enter the 6-digit code from your authenticator app')
    .fill(await freshTotpCode(secret!));
  await section.getByRole('button', { name: 'Confirm and turn on' }).click();

  await expect(section.getByText('Save these codes now')).toBeVisible();
  const codeItems = section.getByTestId('backup-codes').getByRole('listitem');
  await expect(codeItems).toHaveCount(10);
  const backupCodes = (await codeItems.allTextContents()).map((code) => code.trim());
  const downloading = page.waitForEvent('download');
  await section.getByRole('button', { name: 'Download as .txt' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('corebase-backup-codes.txt');
  const file = await readFile(await download.path(), 'utf8');
  for (const code of backupCodes) expect(file).toContain(code);
  await expectNoSidewaysScroll(page, 'the backup codes');
  await section.getByRole('button', { name: 'I have saved them' }).click();
  await expect(section.getByTestId('two-factor-status')).toContainText('On.');
  await expect(section.getByTestId('backup-codes')).toHaveCount(0);

  // Sign-in asks for the code after the password; a wrong one is refused, the right one lands
  // where ?next= said.
  await signOut(page);
  await page.goto('/sign-in?next=%2Forganization');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(
    page.getByRole('heading', { level: 2, name: 'Two-factor authentication' }),
  ).toBeVisible();
  const codeField = page.getByLabel('Enter the 6-digit code from your authenticator app');
  await expect(codeField).toBeFocused();
  await expect(codeField).toHaveAttribute('inputmode', 'numeric');
  await expect(codeField).toHaveAttribute('autocomplete', 'one-time-code');
  await codeField.fill(wrongTotpCode(secret!));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page.getByText('Invalid code')).toBeVisible();
  await expect(codeField).toHaveAttribute('aria-invalid', 'true');
  await expect(codeField).toBeFocused();
  await expectNoSidewaysScroll(page, 'the code step');
  await codeField.fill(await freshTotpCode(secret!));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).toHaveURL(/\/organization$/);

  // A backup code instead of the app.
  await signOut(page);
  await signIn(page, email, password);
  await page.getByRole('button', { name: 'Use a backup code instead' }).click();
  const backupField = page.getByLabel('Enter one of your backup codes');
  await expect(backupField).toBeFocused();
  await backupField.fill(backupCodes[0]!);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // Turning it off asks for the password and a deliberate confirmation.
  await section.getByRole('button', { name: 'Turn off' }).click();
  await passwordField.fill(password);
  await section.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await expect(section.getByText('Two-factor authentication is off.')).toBeVisible();
  await expect(section.getByTestId('two-factor-status')).toContainText('Off.');

  await signOut(page);
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/account$/);
  checkErrors();
});

import { expect, test, type Page } from '@playwright/test';

import {
  openVerificationLink,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';
import { idpName, idpUser } from './oidc-idp';
import { freshTotpCode } from './totp';

function issuer(): string {
  const value = process.env.E2E_IDP_ISSUER;
  if (!value) throw new Error('E2E_IDP_ISSUER is not set: the global setup exports it.');
  return value;
}

/**
 * Plays the person on the provider's own pages (oidc-provider's development sign-in and
 * consent): any login, a password it does not check, then consent to share the profile.
 */
async function signInAtProvider(page: Page, login: string) {
  await expect(page).toHaveURL((url) => url.origin === issuer());
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('not checked by the test provider');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function expectNoSidewaysScroll(page: Page, where: string) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${where} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
}

test('signs in with the OpenID Connect provider and lands on the account page', async ({
  page,
}) => {
  const checkErrors = watchPageErrors(page);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.emulateMedia({ colorScheme: 'dark' });

  await page.goto('/sign-in');
  const button = page.getByRole('button', { name: `Continue with ${idpName}` });
  await expect(button).toBeVisible();
  await expectNoSidewaysScroll(page, 'the sign-in page with its provider buttons');
  await button.click();
  await signInAtProvider(page, idpUser.login);

  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(idpUser.email);
  const methods = page.getByRole('region', { name: 'Sign-in methods' });
  const list = methods.getByRole('list', { name: 'Connected sign-in methods' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByRole('listitem').first()).toContainText(idpName);
  await expect(list.getByRole('listitem').first()).toContainText('Connected');
  // The provider is the only way in: Disconnect says why it cannot be used.
  const disconnect = methods.getByRole('button', { name: `Disconnect ${idpName}` });
  await expect(disconnect).toHaveAttribute('aria-disabled', 'true');
  await expect(disconnect).toHaveAccessibleDescription(
    'This is your only way to sign in: add a password or another provider first.',
  );
  await expectNoSidewaysScroll(page, 'the account page');
  checkErrors();
});

test('a password user connects the provider from the account page, then disconnects it', async ({
  page,
}) => {
  const checkErrors = watchPageErrors(page);
  const email = uniqueEmail('oidc-link');
  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Linus Link', email, password: strongPassword() });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);

  const methods = page.getByRole('region', { name: 'Sign-in methods' });
  const list = methods.getByRole('list', { name: 'Connected sign-in methods' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByRole('listitem').first()).toContainText('Password');
  await methods.getByRole('button', { name: `Connect ${idpName}`, exact: true }).click();
  // The test provider knows a login that is an address as the person with that address.
  await signInAtProvider(page, email);

  await expect(page).toHaveURL(/\/account\?connected=acme$/);
  await expect(methods.getByText(`${idpName} is connected.`)).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(list.getByRole('listitem').nth(1)).toContainText(idpName);
  await expect(
    methods.getByRole('button', { name: `Connect ${idpName}`, exact: true }),
  ).toHaveCount(0);

  // Disconnecting asks first; Cancel (or Escape) leaves it connected.
  await methods.getByRole('button', { name: `Disconnect ${idpName}` }).click();
  const confirm = methods.getByRole('group', { name: `Disconnect ${idpName}?` });
  await expect(confirm.getByRole('button', { name: 'Disconnect' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await methods.getByRole('button', { name: `Disconnect ${idpName}` }).click();
  await confirm.getByRole('button', { name: 'Disconnect' }).click();

  await expect(methods.getByText(`${idpName} is disconnected.`)).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByRole('listitem').first()).toContainText('Password');
  await expect(
    methods.getByRole('button', { name: `Connect ${idpName}`, exact: true }),
  ).toBeVisible();
  checkErrors();
});

test('a provider sign-in of a user with two-factor on asks for the code on the sign-in page', async ({
  page,
  baseURL,
}) => {
  const checkErrors = watchPageErrors(page);
  const email = uniqueEmail('oidc-2fa');
  const password = strongPassword();
  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Tess Twofactor', email, password });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  // Two-factor on through the API (its own journey is two-factor.spec.ts), with this session.
  const headers = { origin: baseURL! };
  const enable = await page.request.post('/v1/auth/two-factor/enable', {
    headers,
    data: { password },
  });
  expect(enable.status(), await enable.text()).toBe(200);
  const { totpURI } = (await enable.json()) as { totpURI: string };
  const secret = new URL(totpURI).searchParams.get('secret')!;
  const confirm = await page.request.post('/v1/auth/two-factor/verify-totp', {
    headers,
    data: { code: await freshTotpCode(secret) },
  });
  expect(confirm.status(), await confirm.text()).toBe(200);
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  // Same verified address at the provider: the sign-in joins this account, then owes a code.
  await page.getByRole('button', { name: `Continue with ${idpName}` }).click();
  await signInAtProvider(page, email);
  await expect(page).toHaveURL(/\/sign-in\?two-factor=required$/);
  await expect(
    page.getByRole('heading', { level: 2, name: 'Two-factor authentication' }),
  ).toBeVisible();
  const codeField = page.getByLabel('Enter the 6-digit code from your authenticator app');
  await expect(codeField).toBeFocused();
  await codeField.fill(await freshTotpCode(secret));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect(
    page.getByRole('list', { name: 'Connected sign-in methods' }).getByRole('listitem'),
  ).toHaveCount(2);
  checkErrors();
});

test('explains a provider sign-in that came back with an error', async ({ page }) => {
  const checkErrors = watchPageErrors(page);
  await page.goto('/sign-in?provider=acme&error=account_not_linked');
  await expect(page.getByTestId('provider-error')).toHaveText(
    `This address already has an account here. Sign in with your password, then connect ${idpName} from your account page.`,
  );
  // An unknown code, or a provider the server does not have, gets the generic sentence.
  await page.goto('/sign-in?provider=nobody&error=something_new');
  await expect(page.getByTestId('provider-error')).toHaveText(
    'That sign-in did not work (something_new). Try again, or sign in another way.',
  );
  checkErrors();
});

import { expect, test, type Browser, type Page } from '@playwright/test';

import {
  openVerificationLink,
  signIn,
  strongPassword,
  submitSignUp,
  uniqueEmail,
  watchPageErrors,
} from './accounts';
import { linkIn, newestMailTo } from './mail';

type TMember = { name: string; email: string };

/** Same-origin API calls from the test itself: the server checks Origin on cookie POSTs. */
const sameOrigin = () => ({ origin: process.env.E2E_BASE_URL! });

function demoLogin(): { email: string; password: string } {
  const email = process.env.E2E_DEMO_EMAIL;
  const password = process.env.E2E_DEMO_PASSWORD;
  expect(email, 'the server printed a demo login at its first start').toBeTruthy();
  return { email: email!, password: password! };
}

/**
 * A new member of Acme Demo: the signed-in owner invites them (through the API, the
 * organization journey covers the form), and they sign up and accept in a browser of their own.
 */
async function addMember(browser: Browser, owner: Page, label: string): Promise<TMember> {
  const email = uniqueEmail(label);
  const member = { name: `Grace ${email.split('@')[0]}`, email };
  const invited = await owner.request.post('/v1/auth/organization/invite-member', {
    data: { email, role: 'member' },
    headers: sameOrigin(),
  });
  expect(invited.status(), await invited.text()).toBe(200);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(linkIn(await newestMailTo(email, /invited you to Acme Demo/), '/invitations/'));
  await page.getByRole('link', { name: 'Create an account' }).click();
  await submitSignUp(page, { ...member, password: strongPassword() });
  await openVerificationLink(page, email);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page).toHaveURL(/\/organization$/);
  await context.close();
  return member;
}

/** From the owner's account page, through the link only superadmins get. */
async function openImpersonations(page: Page) {
  await page.goto('/account');
  await page
    .getByRole('region', { name: 'Administration' })
    .getByRole('link', { name: 'Impersonations' })
    .click();
  await expect(page).toHaveURL(/\/admin\/impersonations$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonations' })).toBeVisible();
}

async function startImpersonating(page: Page, member: TMember, reason: string, minutes?: string) {
  const form = page.getByRole('form', { name: 'Act as a user' });
  await form.getByLabel('Person').selectOption({ label: `${member.name} (${member.email})` });
  await form.getByLabel('Reason').fill(reason);
  if (minutes) await form.getByLabel('Minutes').fill(minutes);
  await form.getByRole('button', { name: 'Start impersonating' }).click();
  await expect(page).toHaveURL(/\/account$/);
}

test('a superadmin acts as a member, is refused what stays theirs, stops, and is back as themself', async ({
  browser,
  page,
}) => {
  test.setTimeout(90_000);
  const demo = demoLogin();
  const checkErrors = watchPageErrors(page);
  await signIn(page, demo.email, demo.password);
  await expect(page).toHaveURL(/\/account$/);
  const member = await addMember(browser, page, 'helped');
  const reason = `Support ticket ${Date.now().toString(36)}`;

  await openImpersonations(page);
  const form = page.getByRole('form', { name: 'Act as a user' });
  // The form's own check, then the server's refusal, each shown where it belongs.
  await form.getByLabel('Person').selectOption({ label: `${member.name} (${member.email})` });
  await form.getByLabel('Reason').fill('ab');
  await form.getByRole('button', { name: 'Start impersonating' }).click();
  await expect(form.getByLabel('Reason')).toBeFocused();
  await expect(form.getByText('Say why, in 3 to 500 characters')).toBeVisible();
  const me = (await (await page.request.get('/v1/auth/get-session')).json()) as {
    user: { id: string };
  };
  await form.getByLabel('Person').selectOption({ label: 'Someone else, by user ID…' });
  await form.getByLabel('User ID').fill(me.user.id);
  await form.getByLabel('Reason').fill(reason);
  await form.getByRole('button', { name: 'Start impersonating' }).click();
  await expect(form.getByRole('alert')).toHaveText('You cannot impersonate yourself.');

  await startImpersonating(page, member, reason);

  // The banner, on this page and the next, and the account is the member's.
  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner.getByRole('status')).toContainText(
    `You are acting as ${member.name} (${member.email})`,
  );
  await expect(banner).toContainText('started by Demo Owner');
  await expect(banner).toContainText(`reason: “${reason}”`);
  await expect(banner.getByTestId('impersonation-countdown')).toHaveText(/\(in (29|30):\d\d\)/);
  await expect(page.getByTestId('account-email')).toHaveText(member.email);
  const account = page.getByRole('main');
  await expect(account.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await expect(account.getByRole('button', { name: 'Stop impersonating' })).toBeVisible();
  await expect(account.getByRole('region', { name: 'Administration' })).toHaveCount(0);
  await page.goto('/organization');
  await expect(banner).toContainText(`You are acting as ${member.name}`);
  await expect(page.getByTestId('my-role')).toHaveText('member');

  // What stays the member's own is refused, and the form says why.
  await page.goto('/account');
  const twoFactor = page.getByRole('region', { name: 'Two-factor authentication' });
  await twoFactor.getByRole('button', { name: 'Turn on' }).click();
  await twoFactor.getByLabel('Your password').fill('not-the-members-password');
  await twoFactor.getByRole('button', { name: 'Continue' }).click();
  await expect(twoFactor.getByRole('alert')).toContainText('Not while impersonating');

  // The member was told, with the reason.
  const notice = await newestMailTo(member.email, /administrator is acting in your account/);
  expect(notice.text).toContain(reason);
  expect(notice.text).toContain('Demo Owner');

  await banner.getByRole('button', { name: 'Stop impersonating' }).click();
  await expect(page).toHaveURL(/\/admin\/impersonations$/);
  await expect(banner).toHaveCount(0);
  const past = page.getByRole('region', { name: 'Past impersonations' });
  const row = past.getByTestId('impersonation-row').filter({ hasText: member.email }).first();
  await expect(row).toContainText(reason);
  await expect(row.getByTestId('impersonation-end')).toHaveText('Stopped by you');
  await expect(
    page
      .getByRole('region', { name: 'Running now' })
      .getByTestId('impersonation-row')
      .filter({ hasText: member.email }),
  ).toHaveCount(0);

  await page.goto('/account');
  await expect(page.getByTestId('account-email')).toHaveText(demo.email);
  await expect(page.getByRole('main').getByRole('button', { name: 'Sign out' })).toBeVisible();
  checkErrors();
});

test('the banner says when an impersonation ran out or was ended elsewhere, and leads back', async ({
  browser,
  page,
}) => {
  test.setTimeout(90_000);
  const demo = demoLogin();
  const checkErrors = watchPageErrors(page);
  // This browser's clock can be moved on: an impersonation lasts a minute at least.
  await page.clock.install();
  await signIn(page, demo.email, demo.password);
  await expect(page).toHaveURL(/\/account$/);
  const member = await addMember(browser, page, 'timed');
  await openImpersonations(page);
  await startImpersonating(page, member, 'Checking the end of an impersonation', '1');

  const banner = page.getByRole('region', { name: 'Impersonation', exact: true });
  await expect(banner.getByRole('status')).toContainText(`You are acting as ${member.name}`);
  await page.clock.fastForward('01:05');
  await expect(banner.getByRole('alert')).toContainText(
    `Your impersonation of ${member.name} (${member.email}) has ended.`,
  );
  await expect(banner.getByRole('button', { name: 'Back to my account' })).toBeVisible();

  // Meanwhile another browser of the superadmin ends it from the list.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  const checkOtherErrors = watchPageErrors(other);
  await signIn(other, demo.email, demo.password);
  await expect(other).toHaveURL(/\/account$/);
  await openImpersonations(other);
  const running = other
    .getByRole('region', { name: 'Running now' })
    .getByTestId('impersonation-row')
    .filter({ hasText: member.email });
  await running
    .getByRole('button', { name: `End Demo Owner’s impersonation of ${member.name}` })
    .click();
  await running.getByRole('button', { name: 'End it' }).click();
  await expect(other.getByText(`Ended the impersonation of ${member.name}.`)).toBeVisible();
  await expect(
    other
      .getByRole('region', { name: 'Past impersonations' })
      .getByTestId('impersonation-row')
      .filter({ hasText: member.email }),
  ).toContainText('Stopped by you');
  checkOtherErrors();
  await otherContext.close();

  // Rendered by the server now: the impersonation's session is gone, the way back is not.
  await page.reload();
  await expect(banner.getByRole('alert')).toContainText('Your impersonation has ended.');
  await expect(page.getByText('You are not signed in.')).toBeVisible();
  await banner.getByRole('button', { name: 'Back to my account' }).click();
  await expect(page).toHaveURL(/\/admin\/impersonations$/);
  await expect(banner).toHaveCount(0);
  await page.goto('/account');
  await expect(page.getByTestId('account-email')).toHaveText(demo.email);
  checkErrors();
});

test('anyone but a superadmin finds no impersonations page', async ({ page }) => {
  // Signed out: to the sign-in page, which comes back here.
  await page.goto('/admin/impersonations');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fadmin%2Fimpersonations$/);

  const email = uniqueEmail('plain');
  await page.goto('/sign-up');
  await submitSignUp(page, { name: 'Plain User', email, password: strongPassword() });
  await openVerificationLink(page, email);
  await expect(page.getByTestId('account-email')).toHaveText(email);
  await expect(page.getByRole('region', { name: 'Administration' })).toHaveCount(0);
  const response = await page.goto('/admin/impersonations');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

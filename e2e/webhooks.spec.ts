import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect, test } from '@playwright/test';
// A devDependency of @corebase/server, hoisted to the root: the receiver's side of the contract.
import { Webhook } from 'standardwebhooks';

import { signIn, watchPageErrors } from './accounts';

type TReceived = { headers: IncomingHttpHeaders; body: string };

/**
 * A webhook receiver on loopback (allowed by the e2e server's WEBHOOK_ALLOWED_HOSTS): it fails
 * its first request with 500, so the delivery needs a retry, and answers 200 afterwards.
 */
async function startReceiver() {
  const received: TReceived[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = received.length === 1 ? 500 : 200;
      response.setHeader('content-type', 'text/plain');
      response.end(received.length === 1 ? 'not yet' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: `http://127.0.0.1:${port}/hooks/${randomBytes(4).toString('hex')}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const header = (request: TReceived, name: string): string => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
};

/** The requests that carried `webhook.test` messages: nothing else is this journey's. */
const testRequests = (received: readonly TReceived[]) =>
  received.filter((request) => {
    try {
      return (JSON.parse(request.body) as { type?: unknown }).type === 'webhook.test';
    } catch {
      return false;
    }
  });

test('the owner adds an endpoint, a test event is retried, verified and replayed, the endpoint is edited, and a private URL is refused', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const demoEmail = process.env.E2E_DEMO_EMAIL;
  const demoPassword = process.env.E2E_DEMO_PASSWORD;
  expect(demoEmail, 'the server printed a demo login at its first start').toBeTruthy();
  const checkErrors = watchPageErrors(page);
  const receiver = await startReceiver();

  try {
    await signIn(page, demoEmail!, demoPassword!);
    await expect(page).toHaveURL(/\/account$/);
    await page.goto('/organization');
    await page
      .getByRole('region', { name: 'Webhooks' })
      .getByRole('link', { name: 'Manage webhooks' })
      .click();
    await expect(page).toHaveURL(/\/organization\/webhooks$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();

    // A private address is refused, and the reason is read out with the URL field.
    await page.getByRole('button', { name: 'New endpoint' }).click();
    const form = page.getByRole('form', { name: 'New endpoint' });
    const urlField = form.getByRole('textbox', { name: 'Endpoint URL' });
    await urlField.fill('http://10.0.0.1/x');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(urlField).toHaveAttribute('aria-invalid', 'true');
    await expect(urlField).toHaveAccessibleDescription(/10\.0\.0\.1 is in .*public addresses/);
    await expect(urlField).toBeFocused();

    await urlField.fill(receiver.url);
    await form.getByLabel('Description').fill('e2e receiver');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.getByText(`Added the endpoint ${receiver.url}.`)).toBeVisible();
    await expect(form).toHaveCount(0);

    const shown = page.getByRole('region', { name: `Signing secret of ${receiver.url}` });
    await expect(shown).toContainText('it is not shown again');
    await expect(
      shown.getByRole('link', { name: 'Standard Webhooks specification' }),
    ).toBeVisible();
    const secretField = shown.getByRole('textbox', { name: 'Signing secret' });
    await expect(secretField).toHaveAttribute('readonly', '');
    await expect(secretField).toBeFocused();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    await expect(shown).toHaveCount(0);

    const row = page.getByTestId('webhook-row').filter({ hasText: receiver.url });
    await expect(row).toContainText('Enabled');
    await expect(row).toContainText('All events');
    await expect(row).toContainText('e2e receiver');

    await row.getByRole('button', { name: `Send a test event to ${receiver.url}` }).click();
    await expect(page.getByText(`Sent a test event to ${receiver.url}.`)).toBeVisible();

    // The first attempt meets a 500; the retry (200 ms later in e2e) carries the same id.
    await expect
      .poll(() => testRequests(receiver.received).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    const [first, second] = testRequests(receiver.received);
    const messageId = header(first!, 'webhook-id');
    expect(messageId).toMatch(/^msg_/);
    expect(header(second!, 'webhook-id')).toBe(messageId);
    const verified = new Webhook(secret).verify(second!.body, {
      'webhook-id': header(second!, 'webhook-id'),
      'webhook-timestamp': header(second!, 'webhook-timestamp'),
      'webhook-signature': header(second!, 'webhook-signature'),
    });
    expect(verified).toMatchObject({ type: 'webhook.test' });
    expect(() =>
      new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(second!.body, {
        'webhook-id': messageId,
        'webhook-timestamp': header(second!, 'webhook-timestamp'),
        'webhook-signature': header(second!, 'webhook-signature'),
      }),
    ).toThrow();

    // The endpoint's page: the delivery succeeded on its second attempt.
    await row.getByRole('link', { name: `Deliveries of ${receiver.url}` }).click();
    await expect(page).toHaveURL(/\/organization\/webhooks\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 2, name: receiver.url })).toBeVisible();
    const delivery = page.getByTestId('delivery-row').filter({ hasText: messageId });
    // The log is read when the page opens; the outcome may be written a moment after the 200.
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(delivery.getByTestId('delivery-summary')).toHaveText(
        'Succeeded after 2 attempts, last answer 200',
        { timeout: 1_000 },
      );
    }).toPass({ timeout: 15_000 });

    await delivery.getByRole('button', { name: 'Show attempts' }).click();
    const attempts = delivery.getByTestId('delivery-attempt');
    await expect(attempts).toHaveCount(2);
    await expect(attempts.nth(0)).toContainText('Attempt 1');
    await expect(attempts.nth(0)).toContainText('answered 500');
    await expect(attempts.nth(1)).toContainText('Attempt 2');
    await expect(attempts.nth(1)).toContainText('answered 200');
    await attempts.nth(1).getByText('Request headers').click();
    await expect(attempts.nth(1)).toContainText(`webhook-id: ${messageId}`);
    await attempts.nth(0).getByText('Response body').click();
    await expect(attempts.nth(0)).toContainText('not yet');

    // A replay sends the same message again, with the same webhook-id.
    await delivery.getByRole('button', { name: /^Replay webhook\.test/ }).click();
    await expect(page.getByText('Replaying webhook.test with the same webhook-id.')).toBeVisible();
    await expect
      .poll(() => testRequests(receiver.received).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(3);
    const third = testRequests(receiver.received)[2]!;
    expect(header(third, 'webhook-id')).toBe(messageId);
    expect(() =>
      new Webhook(secret).verify(third.body, {
        'webhook-id': messageId,
        'webhook-timestamp': header(third, 'webhook-timestamp'),
        'webhook-signature': header(third, 'webhook-signature'),
      }),
    ).not.toThrow();

    // Editing: a private URL is refused next to its field; a description and a filter are kept.
    await page.getByRole('button', { name: `Edit ${receiver.url}` }).click();
    const edit = page.getByRole('form', { name: 'Edit endpoint' });
    const editUrl = edit.getByRole('textbox', { name: 'Endpoint URL' });
    await expect(editUrl).toHaveValue(receiver.url);
    await expect(edit.getByLabel('Description')).toHaveValue('e2e receiver');
    await editUrl.fill('http://10.0.0.1/x');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(editUrl).toHaveAttribute('aria-invalid', 'true');
    await expect(editUrl).toHaveAccessibleDescription(/10\.0\.0\.1 is in .*public addresses/);
    await expect(editUrl).toBeFocused();
    await editUrl.fill(receiver.url);
    await edit.getByLabel('Description').fill('e2e receiver, edited');
    await edit.getByLabel('Only the types chosen below').check();
    await edit.getByLabel('role.created', { exact: true }).check();
    await edit.getByLabel('api_key.created', { exact: true }).check();
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText(`Saved the endpoint ${receiver.url}.`)).toBeVisible();
    await expect(edit).toHaveCount(0);

    const summary = page.getByRole('region', { name: receiver.url });
    await page.reload();
    await expect(summary).toContainText('e2e receiver, edited');
    await expect(summary).toContainText('role.created');
    await expect(summary).toContainText('api_key.created');
    await expect(summary).not.toContainText('All events');
    await page.getByRole('button', { name: `Edit ${receiver.url}` }).click();
    await expect(edit.getByLabel('Only the types chosen below')).toBeChecked();
    await expect(edit.getByLabel('role.created', { exact: true })).toBeChecked();
    await expect(edit.getByLabel('api_key.created', { exact: true })).toBeChecked();
    await expect(edit.getByLabel('role.updated', { exact: true })).not.toBeChecked();
    await expect(edit.getByLabel('Enabled')).toBeChecked();
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await expect(edit).toHaveCount(0);

    // Tidy up through the page: the endpoint goes, and the list says so.
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await expect(page).toHaveURL(/\/organization\/webhooks$/);
    await row.getByRole('button', { name: `Delete ${receiver.url}` }).click();
    await row
      .getByRole('group', { name: new RegExp(`^Delete ${receiver.url.replace(/[.]/g, '\\.')}\\?`) })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect(page.getByText(`Deleted the endpoint ${receiver.url}.`)).toBeVisible();
    await expect(row).toHaveCount(0);

    checkErrors();
  } finally {
    await receiver.close();
  }
});

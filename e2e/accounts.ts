import { randomBytes } from 'node:crypto';

import { expect, type Page } from '@playwright/test';

import { linkIn, newestMailTo } from './mail';

/** A fresh address per call, so no journey meets another's (or an earlier run's) account. */
export function uniqueEmail(label: string): string {
  return `${label}-${Date.now()}-${randomBytes(3).toString('hex')}@example.test`;
}

/** Long and random: never in the leaked-password list the server checks. */
export function strongPassword(): string {
  return `Cb-e2e-${randomBytes(9).toString('base64url')}`;
}

/** Fills the sign-up form on the current page (already at /sign-up…) and submits it. */
export async function submitSignUp(
  page: Page,
  person: { name: string; email: string; password: string },
) {
  await page.getByLabel('Name').fill(person.name);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Check your inbox for a verification link')).toBeVisible();
}

/** Opens the verification link mailed to `email`; the server signs the person in. */
export async function openVerificationLink(page: Page, email: string) {
  const mail = await newestMailTo(email, /Confirm your email address/);
  await page.goto(linkIn(mail, '/v1/auth/verify-email'));
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Fails on uncaught page errors and on console errors, except a failed load of a resource
 * (the browser logs every 4xx answer, and refusals are part of these journeys).
 */
export function watchPageErrors(page: Page): () => void {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  return () => expect(errors, 'errors on the page').toEqual([]);
}

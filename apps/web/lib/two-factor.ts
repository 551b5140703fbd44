/**
 * Whether a sign-in answer is a two-factor challenge: the password was right, but there is no
 * session until a code completes it (`{twoFactorRedirect: true, twoFactorMethods}`).
 */
export function asksForSecondFactor(answer: unknown): boolean {
  return (
    typeof answer === 'object' &&
    answer !== null &&
    (answer as { twoFactorRedirect?: unknown }).twoFactorRedirect === true
  );
}

/** An authenticator app's code: RFC 6238 with the server's settings (docs/security.md). */
export const totpDigits = 6;

/**
 * The code as typed or pasted, without the spaces and dashes apps show it with ("123 456"), so
 * only a wrong code is refused, never its formatting.
 */
export function normalizeTotpCode(value: string): string {
  return value.replace(/[\s-]/g, '');
}

/** The sentence for a code that cannot be an authenticator app's, or null. */
export function totpCodeProblem(code: string): string | null {
  if (code === '') return `Enter the ${totpDigits}-digit code your app shows.`;
  if (!new RegExp(`^\\d{${totpDigits}}$`).test(code))
    return `The code is ${totpDigits} digits, without letters.`;
  return null;
}

/** A backup code as typed: the server compares it exactly, so only outer spaces go. */
export function normalizeBackupCode(value: string): string {
  return value.trim();
}

/**
 * The base32 secret of an `otpauth://` URI, to type into an app that cannot scan, or null when
 * the URI has none.
 */
export function totpSecretOf(totpURI: string): string | null {
  try {
    const secret = new URL(totpURI).searchParams.get('secret');
    return secret && /^[A-Z2-7]+=*$/i.test(secret) ? secret.toUpperCase() : null;
  } catch {
    return null;
  }
}

/** The secret in groups of four, as apps print it; they ignore the spaces when it is typed in. */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? '';
}

/** The text file a person keeps their backup codes in. */
export function backupCodesFile(codes: readonly string[], email: string, createdAt: Date): string {
  return [
    'Corebase backup codes',
    `Account: ${email}`,
    `Created: ${createdAt.toISOString().slice(0, 10)}`,
    '',
    'Each code signs you in once when your authenticator app is not at hand.',
    'Making new codes makes these stop working.',
    '',
    ...codes,
    '',
  ].join('\n');
}

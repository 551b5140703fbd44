'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';

import { confirmTotpSetup, type TTotpSetup } from '@/app/account/two-factor-api';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { fieldText } from '@/lib/form';
import {
  groupSecret,
  normalizeTotpCode,
  totpCodeProblem,
  totpDigits,
  totpSecretOf,
} from '@/lib/two-factor';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

/**
 * Set-up, after the password: the app scans the QR code (or takes the key typed in), and one
 * of its codes confirms it. Two-factor is not on until then; Cancel leaves it off.
 */
export function TotpSetup({
  setup,
  onConfirmed,
  onCancel,
}: {
  setup: TTotpSetup;
  onConfirmed: () => void;
  onCancel: () => void;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [fieldErrors, setFieldErrors] = useState<{ code?: string }>({});
  const [pending, setPending] = useState(false);
  useFocusFirstError(formRef, fieldErrors);
  const secret = totpSecretOf(setup.totpURI);

  // A new step: start reading (and tabbing) from its heading, not from the button that left.
  useEffect(() => headingRef.current?.focus(), []);

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = normalizeTotpCode(fieldText(new FormData(event.currentTarget), 'code'));
    const problem = totpCodeProblem(code);
    setFieldErrors(problem ? { code: problem } : {});
    if (problem) return;
    setPending(true);
    const result = await confirmTotpSetup(code);
    if (result.ok) {
      onConfirmed();
      return;
    }
    setPending(false);
    setFieldErrors({ code: result.problem.message });
  }

  return (
    <div className="space-y-4">
      <h3 ref={headingRef} tabIndex={-1} className="font-medium focus-visible:outline-none">
        Scan this QR code with your authenticator app
      </h3>
      <p className="text-sm text-muted-foreground">
        Any app that follows the TOTP standard works: 1Password, Bitwarden, Google Authenticator,
        Microsoft Authenticator, Aegis, …
      </p>
      {/* A data: URL the API drew (CSP img-src allows data:); next/image has nothing to optimize. */}
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL, not a file to optimize */}
      <img
        src={setup.qrCode}
        alt="QR code for your authenticator app. The same key is written out below, for typing in."
        width={208}
        height={208}
        className="size-52 rounded-md bg-white [image-rendering:pixelated]"
      />
      <div className="space-y-1 text-sm">
        <p>Cannot scan it? Type this key into the app instead (time-based, 6 digits):</p>
        {secret ? (
          <p>
            <code
              data-testid="totp-secret"
              className="block rounded-md bg-muted px-3 py-2 font-mono text-base break-all"
            >
              {groupSecret(secret)}
            </code>
          </p>
        ) : null}
        <details className="pt-1">
          <summary className="cursor-pointer rounded-sm text-muted-foreground focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none">
            Show the whole set-up link
          </summary>
          <code data-testid="totp-uri" className="mt-1 block font-mono text-xs break-all">
            {setup.totpURI}
          </code>
        </details>
      </div>
      <form
        ref={formRef}
        onSubmit={(event) => void confirm(event)}
        aria-label="Confirm the authenticator app"
        className="space-y-3"
        noValidate
      >
        <Field
          label={`Enter the ${totpDigits}-digit code from your authenticator app`}
          hint="This checks that the app is set up; two-factor is on once it matches."
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={12}
          required
          className="font-mono tracking-widest"
          error={fieldErrors.code}
        />
        <div className="flex flex-col gap-2 sm:flex-row">
          <Button type="submit" disabled={pending}>
            {pending ? 'Checking…' : 'Confirm and turn on'}
          </Button>
          <Button variant="ghost" disabled={pending} onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </div>
  );
}

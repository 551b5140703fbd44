'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox-field';
import { Field } from '@/components/ui/field';
import { postJson, readProblem, unreachableMessage } from '@/lib/api';
import { fieldText } from '@/lib/form';
import {
  normalizeBackupCode,
  normalizeTotpCode,
  totpCodeProblem,
  totpDigits,
} from '@/lib/two-factor';
import { useFocusFirstError } from '@/lib/use-focus-first-error';

type TMethod = 'totp' | 'backup';

/** What came before the code: the password, or a provider's sign-in (Google, SSO, …). */
type TVia = 'password' | 'provider';

/**
 * Refusals that end the challenge itself (better-auth's codes): its cookie expired after 10
 * minutes, or too many wrong codes spent it. Only a new sign-in (password or provider) can
 * start another.
 */
const challengeOver: Record<TVia, Record<string, string>> = {
  password: {
    invalid_two_factor_cookie:
      'The sign-in took too long or was interrupted. Enter your password again.',
    too_many_attempts_request_new_code:
      'Too many wrong codes for this sign-in. Enter your password again to get another try.',
  },
  provider: {
    invalid_two_factor_cookie: 'The sign-in took too long or was interrupted. Sign in again.',
    too_many_attempts_request_new_code:
      'Too many wrong codes for this sign-in. Sign in again to get another try.',
  },
};

/**
 * The second step of a sign-in for an account with two-factor on: the password was right (or
 * the provider vouched for the person) and the server holds a challenge (a short-lived cookie)
 * that a code completes.
 */
export function TwoFactorStep({
  next,
  via = 'password',
  onRestart,
}: {
  next: string | null;
  via?: TVia;
  /** Back to the password step, with the sentence saying why when the challenge ended. */
  onRestart: (message?: string) => void;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [method, setMethod] = useState<TMethod>('totp');
  const [fieldErrors, setFieldErrors] = useState<{ code?: string }>({});
  const [pending, setPending] = useState(false);
  useFocusFirstError(formRef, fieldErrors);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const trustDevice = form.get('trustDevice') === 'on';
    const code =
      method === 'totp'
        ? normalizeTotpCode(fieldText(form, 'code'))
        : normalizeBackupCode(fieldText(form, 'code'));
    const problem =
      method === 'totp' ? totpCodeProblem(code) : code === '' ? 'Enter a backup code.' : null;
    // A new object each time, so a second wrong code moves focus back to the field too.
    setFieldErrors(problem ? { code: problem } : {});
    if (problem) return;
    setPending(true);
    try {
      const response = await postJson(
        method === 'totp'
          ? '/v1/auth/two-factor/verify-totp'
          : '/v1/auth/two-factor/verify-backup-code',
        { code, trustDevice },
      );
      if (!response.ok) {
        const refusal = await readProblem(response);
        const over = refusal.reason ? challengeOver[via][refusal.reason] : undefined;
        if (over) onRestart(over);
        else setFieldErrors({ code: refusal.message });
        setPending(false);
        return;
      }
      // Stays pending while the next page loads, so the code cannot be sent twice.
      router.push(next ?? '/account');
    } catch {
      setFieldErrors({ code: unreachableMessage });
      setPending(false);
    }
  }

  function switchMethod() {
    setFieldErrors({});
    setMethod((current) => (current === 'totp' ? 'backup' : 'totp'));
  }

  return (
    <form
      ref={formRef}
      onSubmit={(event) => void onSubmit(event)}
      className="mt-8 space-y-4"
      aria-labelledby="second-factor-heading"
      noValidate
    >
      <div>
        <h2 id="second-factor-heading" className="text-xl font-semibold">
          Two-factor authentication
        </h2>
        <p className="mt-1 text-sm text-muted-foreground">
          {via === 'password'
            ? 'Your password was right. One more step proves it is you.'
            : 'You signed in with your provider. One more step proves it is you.'}
        </p>
      </div>
      {/* Keyed by method: a fresh, focused field, and no code carried into the other kind. */}
      {method === 'totp' ? (
        <Field
          key="totp"
          label={`Enter the ${totpDigits}-digit code from your authenticator app`}
          hint="It changes every 30 seconds."
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={12}
          required
          autoFocus
          className="font-mono tracking-widest"
          error={fieldErrors.code}
        />
      ) : (
        <Field
          key="backup"
          label="Enter one of your backup codes"
          hint="The codes you saved when you turned on two-factor. Each one works once."
          name="code"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={64}
          required
          autoFocus
          className="font-mono"
          error={fieldErrors.code}
        />
      )}
      <CheckboxField
        name="trustDevice"
        label="Trust this device for 30 days"
        hint="Sign-ins from this browser skip the code. Leave it unticked on a shared computer."
      />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? 'Checking…' : 'Verify and sign in'}
      </Button>
      <div className="flex flex-col items-start gap-1 text-sm">
        <Button
          variant="link"
          className="h-auto px-0 py-1"
          disabled={pending}
          onClick={switchMethod}
        >
          {method === 'totp'
            ? 'Use a backup code instead'
            : 'Use a code from your authenticator app instead'}
        </Button>
        <Button
          variant="link"
          className="h-auto px-0 py-1"
          disabled={pending}
          onClick={() => onRestart()}
        >
          {via === 'password' ? 'Start over with your password' : 'Start over'}
        </Button>
      </div>
    </form>
  );
}

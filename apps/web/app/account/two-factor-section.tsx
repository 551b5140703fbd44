'use client';

import { useEffect, useRef, useState } from 'react';

import { BackupCodes } from '@/app/account/backup-codes';
import { PasswordPrompt } from '@/app/account/password-prompt';
import { TotpSetup } from '@/app/account/totp-setup';
import {
  regenerateBackupCodes,
  startTotpSetup,
  turnOffTwoFactor,
  type TTotpSetup,
} from '@/app/account/two-factor-api';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';

type TStep =
  | { kind: 'idle' }
  | { kind: 'password'; purpose: 'enable' | 'regenerate' | 'disable' }
  | { kind: 'scan'; setup: TTotpSetup }
  | { kind: 'codes'; codes: string[]; regenerated: boolean };

/**
 * Two-factor sign-in with an authenticator app: set-up (password, QR code, a confirming code,
 * backup codes once), new backup codes, and turning it off. Every change asks for the password.
 * The step lives here, not in the session: reloading the session after a change keeps the
 * backup codes on screen.
 */
export function TwoFactorSection({
  enabled,
  email,
  onChanged,
}: {
  enabled: boolean;
  email: string;
  /** Reloads the session, whose user says whether two-factor is on. */
  onChanged: () => Promise<void>;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [step, setStep] = useState<TStep>({ kind: 'idle' });
  const [flash, setFlash] = useState<string | null>(null);
  const [backToIdle, setBackToIdle] = useState(0);

  // Back from a step, focus returns to the section rather than to the top of the page.
  useEffect(() => {
    if (backToIdle > 0) headingRef.current?.focus();
  }, [backToIdle]);

  function finish(message: string | null = null) {
    setFlash(message);
    setStep({ kind: 'idle' });
    setBackToIdle((n) => n + 1);
  }

  function ask(purpose: 'enable' | 'regenerate' | 'disable') {
    setFlash(null);
    setStep({ kind: 'password', purpose });
  }

  return (
    <section
      aria-labelledby="two-factor-heading"
      className="space-y-4 rounded-lg border border-border p-4 sm:p-5"
    >
      <div>
        <h2
          id="two-factor-heading"
          ref={headingRef}
          tabIndex={-1}
          className="text-xl font-semibold focus-visible:outline-none"
        >
          Two-factor authentication
        </h2>
        <p data-testid="two-factor-status" className="mt-1 text-sm">
          {enabled ? (
            <>
              <strong className="font-semibold text-success">On.</strong> Signing in asks for a code
              from your authenticator app after your password.
            </>
          ) : (
            <>
              <strong className="font-semibold">Off.</strong>{' '}
              <span className="text-muted-foreground">
                Signing in asks only for your password. A code from an authenticator app keeps your
                account safe even if the password leaks.
              </span>
            </>
          )}
        </p>
      </div>
      {flash ? <Notice tone="success">{flash}</Notice> : null}
      <CurrentStep
        step={step}
        enabled={enabled}
        email={email}
        ask={ask}
        setStep={setStep}
        finish={finish}
        onChanged={onChanged}
      />
    </section>
  );
}

function CurrentStep({
  step,
  enabled,
  email,
  ask,
  setStep,
  finish,
  onChanged,
}: {
  step: TStep;
  enabled: boolean;
  email: string;
  ask: (purpose: 'enable' | 'regenerate' | 'disable') => void;
  setStep: (step: TStep) => void;
  finish: (message?: string | null) => void;
  onChanged: () => Promise<void>;
}) {
  switch (step.kind) {
    case 'idle':
      return enabled ? (
        <div className="flex flex-col gap-2 sm:flex-row">
          <Button variant="outline" onClick={() => ask('regenerate')}>
            Regenerate backup codes
          </Button>
          <Button variant="outline" onClick={() => ask('disable')}>
            Turn off
          </Button>
        </div>
      ) : (
        <Button onClick={() => ask('enable')}>Turn on</Button>
      );
    case 'password':
      return (
        <PasswordStep
          purpose={step.purpose}
          setStep={setStep}
          finish={finish}
          onChanged={onChanged}
        />
      );
    case 'scan':
      return (
        <TotpSetup
          setup={step.setup}
          onCancel={() => finish('Two-factor authentication stays off.')}
          onConfirmed={() => {
            setStep({ kind: 'codes', codes: step.setup.backupCodes, regenerated: false });
            void onChanged();
          }}
        />
      );
    case 'codes':
      return (
        <BackupCodes
          codes={step.codes}
          email={email}
          regenerated={step.regenerated}
          onDone={() =>
            finish(
              step.regenerated
                ? 'New backup codes are ready.'
                : 'Two-factor authentication is on. Signing in now asks for a code.',
            )
          }
        />
      );
  }
}

function PasswordStep({
  purpose,
  setStep,
  finish,
  onChanged,
}: {
  purpose: 'enable' | 'regenerate' | 'disable';
  setStep: (step: TStep) => void;
  finish: (message?: string | null) => void;
  onChanged: () => Promise<void>;
}) {
  switch (purpose) {
    case 'enable':
      return (
        <PasswordPrompt
          question="Turn on two-factor authentication"
          submitLabel="Continue"
          pendingLabel="Checking…"
          onCancel={() => finish()}
          onSubmit={async (password) => {
            const result = await startTotpSetup(password);
            if (!result.ok) return result.problem;
            setStep({ kind: 'scan', setup: result.answer });
            return null;
          }}
        >
          Confirm it is you, then set up your authenticator app.
        </PasswordPrompt>
      );
    case 'regenerate':
      return (
        <PasswordPrompt
          question="Make new backup codes?"
          submitLabel="Make new codes"
          pendingLabel="Making codes…"
          onCancel={() => finish()}
          onSubmit={async (password) => {
            const result = await regenerateBackupCodes(password);
            if (!result.ok) return result.problem;
            setStep({ kind: 'codes', codes: result.answer, regenerated: true });
            return null;
          }}
        >
          The codes you have now stop working.
        </PasswordPrompt>
      );
    case 'disable':
      return (
        <PasswordPrompt
          question="Turn off two-factor authentication?"
          submitLabel="Turn off two-factor authentication"
          pendingLabel="Turning off…"
          destructive
          onCancel={() => finish()}
          onSubmit={async (password) => {
            const result = await turnOffTwoFactor(password);
            if (!result.ok) return result.problem;
            // The status line should say Off by the time the message does.
            await onChanged();
            finish('Two-factor authentication is off.');
            return null;
          }}
        >
          Signing in will ask only for your password. Your backup codes stop working, and browsers
          you trusted for 30 days are forgotten.
        </PasswordPrompt>
      );
  }
}

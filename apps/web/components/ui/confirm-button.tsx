'use client';

import { useState } from 'react';

import { Button } from '@/components/ui/button';

type TConfirmButtonProps = {
  /** The first button, e.g. "Remove". */
  label: string;
  /** Its accessible name when the visible label alone is ambiguous (one per row). */
  ariaLabel?: string;
  /** The question asked before acting, e.g. "Remove Ada from Acme?". */
  question: string;
  confirmLabel: string;
  disabled?: boolean;
  onConfirm: () => void;
};

/**
 * A destructive action in two steps, inline rather than a modal: the second step takes focus,
 * Escape or Cancel backs out, and nothing happens on a single stray click or key press.
 */
export function ConfirmButton({
  label,
  ariaLabel,
  question,
  confirmLabel,
  disabled,
  onConfirm,
}: TConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button
        variant="outline"
        size="sm"
        aria-label={ariaLabel}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </Button>
    );
  }
  return (
    <div
      role="group"
      aria-label={question}
      className="flex flex-wrap items-center gap-2"
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false);
      }}
    >
      <span className="text-sm">{question}</span>
      <Button
        variant="destructive"
        size="sm"
        autoFocus
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </Button>
      <Button variant="ghost" size="sm" onClick={() => setAsking(false)}>
        Cancel
      </Button>
    </div>
  );
}

'use client';

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';

/**
 * A credential the server answers once (an API key, a signing secret): read-only, selected on
 * focus, with a Copy button, a warning that it is not shown again, and what to do with it.
 */
export function ShownOnce({
  heading,
  label,
  noun,
  value,
  warning,
  children,
  onDone,
}: {
  heading: string;
  /** The field's label: "API key". */
  label: string;
  /** What the copy hint calls it: "key". */
  noun: string;
  value: string;
  /** Said after "Copy it now: it is not shown again." */
  warning?: string;
  /** Help below the field. */
  children?: ReactNode;
  onDone: () => void;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const id = useId();
  const noteId = `${id}-note`;

  // The value is what the person came for: take them to it.
  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      inputRef.current?.select();
      setCopied('failed');
    }
  }

  return (
    <section
      aria-labelledby={`${id}-heading`}
      className="mt-4 space-y-3 rounded-lg border border-warning/70 p-4"
    >
      <h3 id={`${id}-heading`} className="font-medium break-all">
        {heading}
      </h3>
      <Notice tone="warning" id={noteId}>
        Copy it now: it is not shown again.{warning ? ` ${warning}` : ''}
      </Notice>
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <div className="mt-1 flex flex-col gap-2 sm:flex-row">
          <Input
            ref={inputRef}
            id={id}
            readOnly
            value={value}
            aria-describedby={noteId}
            spellCheck={false}
            autoComplete="off"
            onFocus={(event) => event.currentTarget.select()}
            className="font-mono"
          />
          <Button variant="outline" onClick={() => void copy()}>
            Copy
          </Button>
        </div>
        <p role="status" className="mt-1 text-sm text-muted-foreground empty:hidden">
          {copied === 'yes'
            ? 'Copied to the clipboard.'
            : copied === 'failed'
              ? `Copying did not work here; the ${noun} is selected, copy it yourself.`
              : ''}
        </p>
      </div>
      {children}
      <Button variant="ghost" size="sm" onClick={onDone}>
        I have copied it
      </Button>
    </section>
  );
}

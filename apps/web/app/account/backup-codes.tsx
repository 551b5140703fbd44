'use client';

import { useEffect, useRef, useState } from 'react';

import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/notice';
import { backupCodesFile } from '@/lib/two-factor';

/**
 * Fresh backup codes, shown this once: the server keeps only their hashes, so nothing can show
 * them again. Copy and download help them leave the page before "Done".
 */
export function BackupCodes({
  codes,
  email,
  regenerated,
  onDone,
}: {
  codes: readonly string[];
  email: string;
  /** New codes for an account that had some: the old ones just stopped working. */
  regenerated: boolean;
  onDone: () => void;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => headingRef.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied('Copied the codes.');
    } catch {
      // No clipboard on plain http outside localhost, or permission refused.
      setCopied('Copying is not available here: select the codes and copy them, or download them.');
    }
  }

  function download() {
    const blob = new Blob([backupCodesFile(codes, email, new Date())], {
      type: 'text/plain;charset=utf-8',
    });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = 'corebase-backup-codes.txt';
    link.click();
    // After the click has handed the file over; revoking at once can cancel it in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return (
    <div className="space-y-4">
      <h3 ref={headingRef} tabIndex={-1} className="font-medium focus-visible:outline-none">
        Your backup codes
      </h3>
      <Notice tone="warning">
        <p className="font-medium">Save these codes now: they are shown only this once.</p>
        <p className="mt-1">
          Each code signs you in once when your authenticator app is not at hand. Keep them in a
          password manager or print them.
          {regenerated ? ' The codes you had before no longer work.' : null}
        </p>
      </Notice>
      <ol
        data-testid="backup-codes"
        aria-label="Backup codes"
        className="grid grid-cols-2 gap-x-4 gap-y-1 rounded-md border border-border p-3 font-mono text-sm"
      >
        {codes.map((code) => (
          <li key={code} className="break-all">
            {code}
          </li>
        ))}
      </ol>
      <div className="flex flex-col gap-2 sm:flex-row sm:flex-wrap">
        <Button variant="outline" onClick={() => void copy()}>
          Copy codes
        </Button>
        <Button variant="outline" onClick={download}>
          Download as .txt
        </Button>
        <Button onClick={onDone}>I have saved them</Button>
      </div>
      <p role="status" className="text-sm text-muted-foreground">
        {copied}
      </p>
    </div>
  );
}

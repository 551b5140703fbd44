'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

import { Button } from '@/components/ui/button';
import { parseReadiness, type CheckStatus, type Readiness } from '@/lib/readiness';
import { cn } from '@/lib/utils';

const POLL_INTERVAL_MS = 5_000;
const REQUEST_TIMEOUT_MS = 4_000;

type PanelState =
  | { kind: 'loading' }
  | { kind: 'loaded'; readiness: Readiness; checkedAt: Date }
  | { kind: 'unreachable'; reason: string; checkedAt: Date };

async function fetchReadiness(signal: AbortSignal): Promise<PanelState> {
  const checkedAt = new Date();
  try {
    const response = await fetch('/health/ready', {
      cache: 'no-store',
      headers: { accept: 'application/json, application/problem+json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const body: unknown = await response.json().catch(() => null);
    const readiness = parseReadiness(body, response.status);
    if (readiness) return { kind: 'loaded', readiness, checkedAt };
    return {
      kind: 'unreachable',
      reason: `The server answered HTTP ${response.status} without a readiness report.`,
      checkedAt,
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return {
      kind: 'unreachable',
      reason: timedOut ? 'The server did not answer in time.' : 'The server could not be reached.',
      checkedAt,
    };
  }
}

const statusText: Record<CheckStatus, string> = { ok: 'OK', fail: 'Failing', skipped: 'Skipped' };

const statusTone: Record<CheckStatus, string> = {
  ok: 'bg-success',
  fail: 'bg-danger',
  skipped: 'bg-muted-foreground',
};

function StatusDot({ status }: { status: CheckStatus }) {
  return (
    <span
      aria-hidden="true"
      className={cn('inline-block size-2.5 rounded-full', statusTone[status])}
    />
  );
}

export function ReadinessPanel() {
  const [state, setState] = useState<PanelState>({ kind: 'loading' });
  const controllerRef = useRef<AbortController | null>(null);

  const refresh = useCallback(async () => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    const next = await fetchReadiness(controller.signal);
    // A newer request or unmount superseded this one; drop its answer.
    if (!controller.signal.aborted) setState(next);
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    // Chain timeouts instead of setInterval so a slow server never gets overlapping requests.
    const tick = async () => {
      await refresh();
      if (!stopped) timer = setTimeout(() => void tick(), POLL_INTERVAL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controllerRef.current?.abort();
    };
  }, [refresh]);

  const overall: CheckStatus | null =
    state.kind === 'loaded' ? state.readiness.status : state.kind === 'unreachable' ? 'fail' : null;

  return (
    <div className="mt-8 space-y-6">
      <div
        role="status"
        aria-live="polite"
        data-testid="overall-status"
        data-status={state.kind === 'loaded' ? state.readiness.status : state.kind}
        className="flex flex-col gap-3 rounded-lg border border-border p-5 sm:flex-row sm:items-center sm:justify-between"
      >
        <div className="flex items-center gap-3">
          {overall ? <StatusDot status={overall} /> : null}
          <div>
            <p className="font-medium">
              {state.kind === 'loading'
                ? 'Checking the server…'
                : state.kind === 'unreachable'
                  ? 'Server unreachable'
                  : state.readiness.status === 'ok'
                    ? 'All systems ready'
                    : 'Server not ready'}
            </p>
            {state.kind === 'unreachable' ? (
              <p className="mt-0.5 text-sm text-muted-foreground">{state.reason}</p>
            ) : null}
            {state.kind !== 'loading' ? (
              <p className="mt-0.5 text-sm text-muted-foreground">
                Last checked{' '}
                <time dateTime={state.checkedAt.toISOString()}>
                  {state.checkedAt.toLocaleTimeString()}
                </time>
              </p>
            ) : null}
          </div>
        </div>
        <Button variant="outline" size="sm" onClick={() => void refresh()}>
          Check now
        </Button>
      </div>

      {state.kind === 'loaded' && state.readiness.checks.length > 0 ? (
        <div>
          <h2 className="text-lg font-semibold">Checks</h2>
          <ul className="mt-3 divide-y divide-border rounded-lg border border-border">
            {state.readiness.checks.map((check) => (
              <li
                key={check.name}
                data-testid={`check-${check.name}`}
                data-status={check.status}
                className="flex flex-col gap-1 px-5 py-3 sm:flex-row sm:items-start sm:justify-between sm:gap-4"
              >
                <span className="font-medium capitalize">{check.name}</span>
                <span className="flex flex-col sm:items-end">
                  <span className="flex items-center gap-2 text-sm">
                    <StatusDot status={check.status} />
                    {statusText[check.status]}
                  </span>
                  {check.message ? (
                    <span className="text-sm break-words text-muted-foreground">
                      {check.message}
                    </span>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

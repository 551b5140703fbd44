'use client';

import type { TDeadLetterView } from '@corebase/contracts';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { checkSelection, describeOutcome, firstLine, formatPayload } from '@/lib/jobs';
import { actOnDeadLetters, fetchDeadLetters } from '@/lib/jobs-api';

const pageSize = 50;

function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}

const preClass =
  'max-h-72 overflow-auto rounded-md border border-border bg-muted/50 p-3 font-mono text-xs whitespace-pre-wrap break-words';

function DeadLetterDetails({ deadLetter, id }: { deadLetter: TDeadLetterView; id: string }) {
  return (
    <div id={id} className="mt-3 space-y-3 text-sm">
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
        <dt className="text-muted-foreground">Dead letter</dt>
        <dd className="font-mono break-all">{deadLetter.id}</dd>
        <dt className="text-muted-foreground">Job</dt>
        <dd className="font-mono break-all">{deadLetter.jobId}</dd>
        <dt className="text-muted-foreground">Dedup key</dt>
        <dd className="font-mono break-all">{deadLetter.dedupKey ?? '—'}</dd>
      </dl>
      <div>
        <h4 className="font-medium">Error</h4>
        <pre className={preClass}>{deadLetter.error}</pre>
      </div>
      {deadLetter.stack ? (
        <div>
          <h4 className="font-medium">Stack</h4>
          <pre className={preClass}>{deadLetter.stack}</pre>
        </div>
      ) : null}
      <div>
        <h4 className="font-medium">Payload</h4>
        <pre className={preClass}>{formatPayload(deadLetter.payload)}</pre>
      </div>
      <div>
        <h4 className="font-medium">Attempts</h4>
        {deadLetter.history.length === 0 ? (
          <p className="text-muted-foreground">No attempt was recorded.</p>
        ) : (
          <ol className="divide-y divide-border rounded-md border border-border">
            {deadLetter.history.map((attempt) => (
              <li key={`${attempt.attempt}-${attempt.at}`} className="px-3 py-2">
                <p>
                  <span className="font-medium">Attempt {attempt.attempt}</span>{' '}
                  <span className="text-muted-foreground">
                    at <time dateTime={attempt.at}>{formatDateTime(attempt.at)}</time>
                  </span>
                </p>
                <p className="font-mono text-xs break-words">{attempt.error}</p>
              </li>
            ))}
          </ol>
        )}
      </div>
    </div>
  );
}

function DeadLetterRow({
  deadLetter,
  selected,
  onSelect,
}: {
  deadLetter: TDeadLetterView;
  selected: boolean;
  onSelect: (selected: boolean) => void;
}) {
  const [open, setOpen] = useState(false);
  const detailsId = `dead-letter-${deadLetter.id}`;
  const when = formatDateTime(deadLetter.createdAt);
  return (
    <li data-testid="dead-letter-row" className="px-4 py-3">
      <div className="flex items-start gap-3">
        <input
          type="checkbox"
          aria-label={`Select ${deadLetter.name} of ${when}`}
          checked={selected}
          onChange={(event) => onSelect(event.target.checked)}
          className="mt-1 size-4 shrink-0 rounded border-border accent-primary focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
        />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-baseline justify-between gap-x-3">
            <h3 className="font-mono font-medium break-all">{deadLetter.name}</h3>
            <time dateTime={deadLetter.createdAt} className="text-sm text-muted-foreground">
              {when}
            </time>
          </div>
          <p className="text-sm text-muted-foreground">
            Queue <span className="font-mono">{deadLetter.queue}</span> · {deadLetter.attempts}{' '}
            {deadLetter.attempts === 1 ? 'attempt' : 'attempts'}
          </p>
          <p className="mt-1 text-sm break-words text-danger">{firstLine(deadLetter.error)}</p>
          <Button
            variant="link"
            size="sm"
            className="h-auto px-0 py-1"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => setOpen((value) => !value)}
          >
            {open ? 'Hide details' : 'Show details'}
          </Button>
          {open ? <DeadLetterDetails deadLetter={deadLetter} id={detailsId} /> : null}
        </div>
      </div>
    </li>
  );
}

type TListState = {
  items: TDeadLetterView[];
  nextCursor: string | null;
  loading: 'first' | 'more' | null;
  error: string | null;
};

/**
 * Dead letters, newest first, a page at a time ("Load more" follows the cursor), of every job or
 * of one by name; several can be selected and retried or discarded at once.
 */
export function DeadLetterList({ onChanged }: { onChanged: () => void }) {
  const [nameInput, setNameInput] = useState('');
  const [name, setName] = useState('');
  const [state, setState] = useState<TListState>({
    items: [],
    nextCursor: null,
    loading: 'first',
    error: null,
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [acting, setActing] = useState(false);
  const [feedback, setFeedback] = useState<{ tone: 'error' | 'success'; message: string } | null>(
    null,
  );

  // Only the newest request's answer is shown: a slow page of the previous filter never lands.
  const latest = useRef(0);

  const load = useCallback(
    async (cursor: string | null) => {
      const request = ++latest.current;
      setState((current) => ({ ...current, loading: cursor ? 'more' : 'first', error: null }));
      const page = await fetchDeadLetters({ name, cursor, limit: pageSize });
      if (request !== latest.current) return;
      setState((current) =>
        page.ok
          ? {
              items: cursor ? [...current.items, ...page.data.data] : page.data.data,
              nextCursor: page.data.nextCursor,
              loading: null,
              error: null,
            }
          : { ...current, loading: null, error: page.message },
      );
      if (!cursor) setSelected(new Set());
    },
    [name],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  function applyFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFeedback(null);
    const next = nameInput.trim();
    if (next === name) void load(null);
    else setName(next);
  }

  function clearFilter() {
    setNameInput('');
    setName('');
    setFeedback(null);
  }

  function select(id: string, on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  async function act(action: 'retry' | 'discard') {
    const ids = [...selected];
    const check = checkSelection(ids);
    if (!check.ok) {
      setFeedback({ tone: 'error', message: check.message });
      return;
    }
    setActing(true);
    setFeedback(null);
    const answer = await actOnDeadLetters(action, ids);
    setActing(false);
    if (!answer.ok) {
      setFeedback({ tone: 'error', message: answer.message });
      return;
    }
    setFeedback({ tone: 'success', message: describeOutcome(action, answer.data) });
    onChanged();
    await load(null);
  }

  const allShown = state.items.length > 0 && state.items.every((item) => selected.has(item.id));
  const count = selected.size;
  const empty = name ? `No dead letters of ${name}.` : 'No dead letters: no job is stuck.';

  return (
    <section aria-labelledby="dead-letters-heading" className="space-y-4">
      <h2 id="dead-letters-heading" className="text-xl font-semibold">
        Dead letters
      </h2>
      <p className="text-sm text-muted-foreground">
        Jobs that used up their attempts. Retrying runs one again as a new job, its attempts
        starting over; discarding removes it for good.
      </p>
      <form
        aria-label="Filter dead letters"
        className="flex flex-wrap items-end gap-2"
        onSubmit={applyFilter}
      >
        <Field
          label="Job name"
          name="name"
          placeholder="e.g. companies.import-csv"
          autoComplete="off"
          spellCheck={false}
          maxLength={200}
          className="font-mono"
          containerClassName="min-w-56 flex-1 sm:max-w-sm"
          value={nameInput}
          onChange={(event) => setNameInput(event.target.value)}
        />
        <Button type="submit" variant="outline" disabled={state.loading !== null}>
          Filter
        </Button>
        {name ? (
          <Button variant="ghost" onClick={clearFilter}>
            Show all
          </Button>
        ) : null}
      </form>
      {feedback ? <Notice tone={feedback.tone}>{feedback.message}</Notice> : null}
      {state.items.length > 0 ? (
        <div
          role="toolbar"
          aria-label="Selected dead letters"
          className="flex flex-wrap items-center gap-3"
        >
          <label className="flex items-center gap-2 text-sm font-medium">
            <input
              type="checkbox"
              checked={allShown}
              onChange={(event) =>
                setSelected(
                  event.target.checked ? new Set(state.items.map((item) => item.id)) : new Set(),
                )
              }
              className="size-4 rounded border-border accent-primary focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
            />
            Select all shown
          </label>
          <span className="text-sm text-muted-foreground" aria-live="polite">
            {count} selected
          </span>
          <Button
            variant="outline"
            size="sm"
            disabled={count === 0 || acting}
            onClick={() => void act('retry')}
          >
            {acting ? 'Working…' : 'Retry'}
          </Button>
          <ConfirmButton
            label="Discard"
            question={`Discard ${count} ${count === 1 ? 'dead letter' : 'dead letters'}? ${count === 1 ? 'It' : 'They'} will not run again.`}
            confirmLabel="Discard for good"
            disabled={count === 0 || acting}
            onConfirm={() => void act('discard')}
          />
        </div>
      ) : null}
      {state.loading === 'first' && state.items.length === 0 ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : state.items.length === 0 && !state.error ? (
        <p className="text-sm text-muted-foreground" data-testid="dead-letters-empty">
          {empty}
        </p>
      ) : state.items.length > 0 ? (
        <ul
          aria-labelledby="dead-letters-heading"
          className="divide-y divide-border rounded-lg border border-border"
        >
          {state.items.map((deadLetter) => (
            <DeadLetterRow
              key={deadLetter.id}
              deadLetter={deadLetter}
              selected={selected.has(deadLetter.id)}
              onSelect={(on) => select(deadLetter.id, on)}
            />
          ))}
        </ul>
      ) : null}
      {state.error ? <Notice tone="error">{state.error}</Notice> : null}
      {state.nextCursor ? (
        <Button
          variant="outline"
          size="sm"
          disabled={state.loading !== null}
          onClick={() => void load(state.nextCursor)}
        >
          {state.loading === 'more' ? 'Loading…' : 'Load more'}
        </Button>
      ) : null}
    </section>
  );
}

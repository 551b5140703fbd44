'use client';

import type { TDeadLetterView } from '@corebase/contracts';
import { useCallback, useEffect, useState, type FormEvent } from 'react';

import { PagedList } from '@/components/paged-list';
import { Button } from '@/components/ui/button';
import { ConfirmButton } from '@/components/ui/confirm-button';
import { Field } from '@/components/ui/field';
import { Notice } from '@/components/ui/notice';
import { formatDateTime } from '@/lib/date-time';
import { checkSelection, describeOutcome, firstLine, formatPayload } from '@/lib/jobs';
import { actOnDeadLetters, fetchDeadLetters } from '@/lib/jobs-api';
import { usePagedList } from '@/lib/use-paged-list';

const pageSize = 50;

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

/**
 * Dead letters, newest first, a page at a time ("Load more" follows the cursor), of every job or
 * of one by name; several can be selected and retried or discarded at once.
 */
export function DeadLetterList({ onChanged }: { onChanged: () => void }) {
  const [nameInput, setNameInput] = useState('');
  const [name, setName] = useState('');
  const fetchPage = useCallback(
    (cursor: string | null) => fetchDeadLetters({ name, cursor, limit: pageSize }),
    [name],
  );
  const list = usePagedList(fetchPage);
  const { state, load } = list;
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [acting, setActing] = useState(false);
  const [feedback, setFeedback] = useState<{ tone: 'error' | 'success'; message: string } | null>(
    null,
  );

  // A first page read anew (another filter, after acting) starts with nothing selected.
  const loadFirst = useCallback(async () => {
    if (await load(null)) setSelected(new Set());
  }, [load]);

  useEffect(() => {
    void loadFirst();
  }, [loadFirst]);

  function applyFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFeedback(null);
    const next = nameInput.trim();
    if (next === name) void loadFirst();
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
    await loadFirst();
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
      <PagedList
        list={list}
        headingId="dead-letters-heading"
        empty={empty}
        emptyTestId="dead-letters-empty"
        renderItem={(deadLetter) => (
          <DeadLetterRow
            deadLetter={deadLetter}
            selected={selected.has(deadLetter.id)}
            onSelect={(on) => select(deadLetter.id, on)}
          />
        )}
      />
    </section>
  );
}

'use client';

import { useEffect, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox-field';
import { Notice } from '@/components/ui/notice';
import { channelLabels, type TChannel, type TPreferenceRow } from '@/lib/notifications';
import { fetchPreferences, savePreferences } from '@/lib/notifications-api';

type TData =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; rows: TPreferenceRow[] };

type TFlash = { tone: 'success' | 'error'; message: string } | null;

/**
 * Per notification type, the channels it reaches this person on. Only the channels a type can
 * use are offered; the server refuses the others (and shows why here).
 */
export function PreferencesSection() {
  const [data, setData] = useState<TData>({ kind: 'loading' });
  const [flash, setFlash] = useState<TFlash>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    void fetchPreferences().then((result) =>
      setData(
        result.ok
          ? { kind: 'ready', rows: result.answer }
          : { kind: 'failed', message: result.problem.message },
      ),
    );
  }, []);

  function toggle(type: TPreferenceRow['type'], channel: TChannel, on: boolean) {
    setFlash(null);
    setData((current) =>
      current.kind === 'ready'
        ? {
            kind: 'ready',
            rows: current.rows.map((row) => (row.type === type ? { ...row, [channel]: on } : row)),
          }
        : current,
    );
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (data.kind !== 'ready') return;
    setSaving(true);
    setFlash(null);
    const result = await savePreferences(data.rows);
    setSaving(false);
    if (!result.ok) {
      setFlash({ tone: 'error', message: result.problem.message });
      return;
    }
    setData({ kind: 'ready', rows: result.answer });
    setFlash({ tone: 'success', message: 'Your notification preferences are saved.' });
  }

  return (
    <section
      aria-labelledby="notification-preferences-heading"
      className="space-y-4 rounded-lg border border-border p-4 sm:p-5"
    >
      <div className="space-y-1">
        <h2 id="notification-preferences-heading" className="text-xl font-semibold">
          Preferences
        </h2>
        <p className="text-sm text-muted-foreground">How each kind of notification reaches you.</p>
      </div>
      {data.kind === 'loading' ? <p className="text-sm text-muted-foreground">Loading…</p> : null}
      {data.kind === 'failed' ? <Notice tone="error">{data.message}</Notice> : null}
      {data.kind === 'ready' ? (
        <form onSubmit={(event) => void save(event)} className="space-y-4">
          <div className="divide-y divide-border">
            {data.rows.map((row) => (
              <div key={row.type} className="py-4 first:pt-0">
                <fieldset className="space-y-2">
                  <legend className="text-sm font-medium">{row.description}</legend>
                  <p className="font-mono text-xs text-muted-foreground">{row.type}</p>
                  <div className="flex flex-wrap gap-x-6 gap-y-2">
                    {row.channels.map((channel) => (
                      <CheckboxField
                        key={channel}
                        label={channelLabels[channel]}
                        checked={row[channel]}
                        disabled={saving}
                        onChange={(event) => toggle(row.type, channel, event.currentTarget.checked)}
                      />
                    ))}
                  </div>
                </fieldset>
              </div>
            ))}
          </div>
          {flash ? <Notice tone={flash.tone}>{flash.message}</Notice> : null}
          <Button type="submit" disabled={saving}>
            {saving ? 'Saving…' : 'Save preferences'}
          </Button>
        </form>
      ) : null}
    </section>
  );
}

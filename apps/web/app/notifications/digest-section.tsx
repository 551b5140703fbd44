'use client';

import type { TDigestSettings } from '@corebase/contracts';
import { useEffect, useMemo, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox-field';
import { FieldFrame } from '@/components/ui/field';
import { Select } from '@/components/ui/input';
import { Notice } from '@/components/ui/notice';
import {
  browserTimeZone,
  digestBody,
  digestHours,
  formatInZone,
  supportedTimeZones,
  timeZoneOptions,
  type TDigestForm,
} from '@/lib/digest';
import { serverFieldErrors } from '@/lib/form';
import { fetchDigest, saveDigest } from '@/lib/notifications-api';

type TData =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; saved: TDigestSettings };

type TFlash = { tone: 'success' | 'error'; message: string } | null;
type TErrors = Partial<Record<'hour' | 'timeZone', string>>;

const formOf = (saved: TDigestSettings): TDigestForm => ({
  enabled: saved.enabled,
  hour: saved.hour,
  timeZone: saved.timeZone,
});

/**
 * The daily email of what is still unread: on or off, the hour, and the zone that hour is in.
 * The next sending is the server's, for what it holds; it moves once a change is saved.
 */
export function DigestSection() {
  const [data, setData] = useState<TData>({ kind: 'loading' });
  const [form, setForm] = useState<TDigestForm | null>(null);
  const [errors, setErrors] = useState<TErrors>({});
  const [flash, setFlash] = useState<TFlash>(null);
  const [saving, setSaving] = useState(false);
  const browserZone = useMemo(() => browserTimeZone(), []);

  useEffect(() => {
    void fetchDigest().then((result) => {
      if (result.ok) {
        setData({ kind: 'ready', saved: result.answer });
        setForm(formOf(result.answer));
      } else setData({ kind: 'failed', message: result.problem.message });
    });
  }, []);

  const zones = useMemo(
    () =>
      timeZoneOptions(supportedTimeZones(), [
        data.kind === 'ready' ? data.saved.timeZone : null,
        browserZone,
      ]),
    [data, browserZone],
  );

  function change(next: Partial<TDigestForm>) {
    setFlash(null);
    setErrors({});
    setForm((current) => (current ? { ...current, ...next } : current));
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!form) return;
    const body = digestBody(form);
    if (!body) {
      setErrors({ timeZone: 'Choose a time zone from the list.' });
      return;
    }
    setSaving(true);
    setFlash(null);
    setErrors({});
    const result = await saveDigest(body);
    setSaving(false);
    if (!result.ok) {
      const fieldErrors: TErrors = serverFieldErrors(result.problem.errors, ['hour', 'timeZone']);
      setErrors(fieldErrors);
      if (Object.keys(fieldErrors).length === 0)
        setFlash({ tone: 'error', message: result.problem.message });
      return;
    }
    setData({ kind: 'ready', saved: result.answer });
    setForm(formOf(result.answer));
    setFlash({ tone: 'success', message: 'Your digest settings are saved.' });
  }

  const saved = data.kind === 'ready' ? data.saved : null;
  const unsaved =
    saved !== null &&
    form !== null &&
    (form.enabled !== saved.enabled ||
      form.hour !== saved.hour ||
      form.timeZone !== saved.timeZone);

  return (
    <section
      aria-labelledby="digest-heading"
      className="space-y-4 rounded-lg border border-border p-4 sm:p-5"
    >
      <div className="space-y-1">
        <h2 id="digest-heading" className="text-xl font-semibold">
          Daily digest
        </h2>
        <p className="text-sm text-muted-foreground">
          One email a day listing what is still unread, at the hour you choose. Nothing is sent on a
          day with nothing unread.
        </p>
      </div>
      {data.kind === 'loading' ? <p className="text-sm text-muted-foreground">Loading…</p> : null}
      {data.kind === 'failed' ? <Notice tone="error">{data.message}</Notice> : null}
      {saved && form ? (
        <form onSubmit={(event) => void save(event)} className="space-y-4" noValidate>
          <CheckboxField
            label="Send me a daily digest"
            checked={form.enabled}
            disabled={saving}
            onChange={(event) => change({ enabled: event.currentTarget.checked })}
          />
          <div className="grid gap-4 sm:grid-cols-[8rem_1fr]">
            <FieldFrame label="Hour" error={errors.hour}>
              {(control) => (
                <Select
                  {...control}
                  name="hour"
                  className="mt-1"
                  value={String(form.hour)}
                  disabled={saving}
                  onChange={(event) => change({ hour: Number(event.target.value) })}
                >
                  {digestHours.map((hour) => (
                    <option key={hour.value} value={hour.value}>
                      {hour.label}
                    </option>
                  ))}
                </Select>
              )}
            </FieldFrame>
            <FieldFrame label="Time zone" error={errors.timeZone}>
              {(control) => (
                <Select
                  {...control}
                  name="timeZone"
                  className="mt-1"
                  value={form.timeZone}
                  disabled={saving}
                  onChange={(event) => change({ timeZone: event.target.value })}
                >
                  {zones.map((zone) => (
                    <option key={zone} value={zone}>
                      {zone.replaceAll('_', ' ')}
                    </option>
                  ))}
                </Select>
              )}
            </FieldFrame>
          </div>
          {browserZone && browserZone !== form.timeZone ? (
            <Button
              variant="link"
              size="sm"
              className="h-auto px-0 py-0"
              disabled={saving}
              onClick={() => change({ timeZone: browserZone })}
            >
              Use this browser&rsquo;s time zone ({browserZone})
            </Button>
          ) : null}
          <p data-testid="digest-next" className="text-sm">
            {saved.nextAt
              ? `Next digest: ${formatInZone(saved.nextAt, saved.timeZone)}`
              : 'No digest is sent while it is off.'}
            {unsaved ? (
              <span className="text-muted-foreground"> Saving your changes moves it.</span>
            ) : null}
          </p>
          {saved.lastSentAt ? (
            <p className="text-sm text-muted-foreground">
              Last sent: {formatInZone(saved.lastSentAt, saved.timeZone)}
            </p>
          ) : null}
          {flash ? <Notice tone={flash.tone}>{flash.message}</Notice> : null}
          <Button type="submit" disabled={saving}>
            {saving ? 'Saving…' : 'Save digest'}
          </Button>
        </form>
      ) : null}
    </section>
  );
}

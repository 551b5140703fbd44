import { describe, expect, it } from 'vitest';

import {
  checkSelection,
  describeOutcome,
  firstLine,
  formatDurationMs,
  formatFailureRate,
  formatPayload,
  formatThroughput,
} from './jobs';

const a = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const b = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
const c = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d';

describe('queue figures', () => {
  it('formats throughput, failure rate and p95, with a dash when nothing completed', () => {
    expect(formatThroughput(0, 'en')).toBe('0');
    expect(formatThroughput(1 / 15, 'en')).toBe('0.07');
    expect(formatFailureRate(0, 'en')).toBe('0%');
    expect(formatFailureRate(0.125, 'en')).toBe('12.5%');
    expect(formatFailureRate(1, 'en')).toBe('100%');
    expect(formatDurationMs(null, 'en')).toBe('—');
    expect(formatDurationMs(1234.6, 'en')).toBe('1,235 ms');
  });
});

describe('dead letter details', () => {
  it('shows payloads as JSON and an error by its first line', () => {
    expect(formatPayload({ id: 1, tags: ['x'] })).toBe(
      '{\n  "id": 1,\n  "tags": [\n    "x"\n  ]\n}',
    );
    expect(formatPayload(null)).toBe('null');
    expect(formatPayload(undefined)).toBe('(none)');
    expect(firstLine('Error: boom\n    at run (jobs.ts:1)')).toBe('Error: boom');
  });
});

describe('describeOutcome', () => {
  it('says what was retried or discarded, and why the rest was skipped', () => {
    expect(
      describeOutcome('retry', { retried: [{ id: a, jobId: 'j1' }], discarded: [], skipped: [] }),
    ).toBe('Retried 1 dead letter as new jobs.');
    expect(
      describeOutcome('discard', {
        retried: [],
        discarded: [a],
        skipped: [
          { id: b, reason: 'not_found' },
          { id: c, reason: 'unknown_job' },
        ],
      }),
    ).toBe(
      'Discarded 1 dead letter. Skipped 2: 1 already gone, 1 no job of that name runs here any more.',
    );
  });
});

describe('checkSelection', () => {
  it('takes 1 to 500 ids, as the contract does', () => {
    expect(checkSelection([a])).toEqual({ ok: true });
    expect(checkSelection([])).toEqual({ ok: false, message: 'Select at least one id.' });
    expect(checkSelection(Array.from({ length: 501 }, () => a))).toEqual({
      ok: false,
      message: 'Select at most 500 at once.',
    });
  });
});

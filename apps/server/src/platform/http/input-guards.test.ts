import { describe, expect, it } from 'vitest';
import { firstJsonViolation, jsonLimits, unstorableText } from '#server/platform/http/input-guards';

describe('JSON input limits', () => {
  it('keep text PostgreSQL stores, emoji (surrogate pairs) included', () => {
    expect(unstorableText('Ada Lovelace — 🧮 ✓')).toBeUndefined();
    expect(firstJsonViolation({ name: '🧮', tags: ['a', { b: 'ç' }] })).toBeUndefined();
  });

  it('name U+0000 and lone surrogates wherever they are', () => {
    expect(unstorableText('a\u0000b')).toMatch(/NUL/);
    expect(unstorableText('\ud800')).toMatch(/surrogate/);
    expect(unstorableText('x\udc00y')).toMatch(/surrogate/);
    expect(unstorableText('\ud83e')).toMatch(/surrogate/);
    expect(firstJsonViolation({ a: [{ b: 'ok' }, { c: 'bad\u0000' }] })).toEqual({
      field: 'a.1.c',
      message: expect.stringMatching(/NUL/) as string,
    });
  });

  it('refuse a string past the length limit, and accept one at it', () => {
    expect(firstJsonViolation({ s: 'x'.repeat(jsonLimits.stringLength) })).toBeUndefined();
    expect(firstJsonViolation({ s: 'x'.repeat(jsonLimits.stringLength + 1) })).toEqual({
      field: 's',
      message: `is longer than ${jsonLimits.stringLength} characters`,
    });
  });

  it('accept nesting and arrays at the limits, and refuse one more', () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);
    expect(firstJsonViolation(nest(jsonLimits.depth))).toBeUndefined();
    expect(firstJsonViolation(nest(jsonLimits.depth + 1))?.message).toMatch(/deeper/);
    expect(firstJsonViolation(new Array(jsonLimits.items).fill(0))).toBeUndefined();
    expect(firstJsonViolation(new Array(jsonLimits.items + 1).fill(0))?.message).toMatch(/items/);
  });
});

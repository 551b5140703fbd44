import { describe, expect, it } from 'vitest';

import { suggestSlug } from './slug';

describe('suggestSlug', () => {
  it('turns a name into lower-case words joined by dashes', () => {
    expect(suggestSlug('  Acme Widgets, Inc. ')).toBe('acme-widgets-inc');
    expect(suggestSlug('Café Løvén')).toBe('cafe-loven');
  });

  it('gives nothing for a name without letters or digits, and stays short', () => {
    expect(suggestSlug('!!!')).toBe('');
    expect(suggestSlug('a'.repeat(60))).toHaveLength(48);
    expect(suggestSlug(`${'a'.repeat(47)} b`)).toBe('a'.repeat(47));
  });
});

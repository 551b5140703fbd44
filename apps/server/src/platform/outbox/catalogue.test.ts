import { readFileSync } from 'node:fs';
import * as contracts from '@corebase/contracts';
import { eventCatalogue } from '@corebase/contracts';
import { describe, expect, it } from 'vitest';
import { renderEventCatalogue } from '#server/platform/outbox/catalogue';

describe('the event catalogue', () => {
  it('lists every event defined in the contracts, once, each with a version and a description', () => {
    const exported: unknown[] = Object.values(contracts);
    const defined = exported.filter(
      (value): value is contracts.TEventDefinition =>
        typeof value === 'object' &&
        value !== null &&
        'name' in value &&
        'version' in value &&
        'schema' in value &&
        'description' in value,
    );
    expect(defined.length).toBeGreaterThan(10);
    const names = (list: readonly contracts.TEventDefinition[]) => list.map((e) => e.name).sort();
    expect(names(eventCatalogue)).toEqual(names(defined));
    expect(eventCatalogue.every((e) => exported.includes(e))).toBe(true);
    expect(new Set(eventCatalogue.map((e) => e.name)).size).toBe(eventCatalogue.length);
    for (const event of eventCatalogue) {
      expect(event.name).toMatch(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/);
      expect(event.version).toBeGreaterThanOrEqual(1);
      expect(event.description.length).toBeGreaterThan(10);
    }
  });

  it('is published in docs/events.md as generated (npm run events:write)', () => {
    const published = readFileSync(
      new URL('../../../../../docs/events.md', import.meta.url),
      'utf8',
    );
    expect(published).toBe(renderEventCatalogue(eventCatalogue));
  });
});

import type { TEventDefinition } from '@corebase/contracts';
import { z } from 'zod';

type TJsonSchema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  items?: TJsonSchema;
  anyOf?: TJsonSchema[];
  properties?: Record<string, TJsonSchema>;
  required?: string[];
};

const typeOf = (schema: TJsonSchema): string => {
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.enum) return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'unknown'}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'unknown');
  return schema.format ? `${type} (${schema.format})` : type;
};

/** `docs/events.md`, generated from the catalogue (`npm run events:write`; a test checks it). */
export function renderEventCatalogue(catalogue: readonly TEventDefinition[]): string {
  const lines = [
    '# Event catalogue',
    '',
    '<!-- Generated from packages/contracts/src/events.ts by `npm run events:write -w @corebase/server`. Do not edit. -->',
    '',
    'Every domain event Corebase writes to its outbox, in the same transaction as the change it',
    'announces (docs/jobs.md explains delivery). Payloads are JSON; times are ISO 8601 strings. A',
    'change that breaks a payload gets a new version; each outbox row records the version it was',
    'written under. Organization events carry the organization id in the outbox row as well.',
    '',
    '| event | version | description |',
    '| --- | --- | --- |',
    ...catalogue.map(
      (event) =>
        `| [\`${event.name}\`](#${event.name.replace(/[._]/g, '')}) | ${event.version} | ${event.description} |`,
    ),
  ];
  for (const event of catalogue) {
    const schema = z.toJSONSchema(event.schema, { io: 'output' }) as TJsonSchema;
    const required = new Set(schema.required ?? []);
    lines.push(
      '',
      `## ${event.name}`,
      '',
      `Version ${event.version}. ${event.description}`,
      '',
      '| field | type | required |',
      '| --- | --- | --- |',
      ...Object.entries(schema.properties ?? {}).map(
        ([field, property]) =>
          `| \`${field}\` | ${typeOf(property)} | ${required.has(field) ? 'yes' : 'no'} |`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

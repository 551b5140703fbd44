import { z } from 'zod';
import { newId } from '#server/platform/db/columns';

type TJsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: TJsonSchema[];
  oneOf?: TJsonSchema[];
  allOf?: TJsonSchema[];
  format?: string;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  items?: TJsonSchema;
  properties?: Record<string, TJsonSchema>;
  default?: unknown;
};

/** Values for fields a request refers to something by: the caller chooses them. */
export type TSampleOverrides = Record<string, () => unknown>;

/**
 * A plausible value for a zod schema, every optional field filled in: strings are `probe-<field>`
 * (so no two fields collide by accident: a typed confirmation never equals a slug), formats are
 * honoured, ids are fresh UUIDs unless `overrides` names the field.
 */
export function sampleOf(schema: unknown, overrides: TSampleOverrides = {}): unknown {
  if (!(schema instanceof z.ZodType)) return undefined;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as TJsonSchema;
  return fromJsonSchema(json, '', overrides);
}

function fromJsonSchema(schema: TJsonSchema, key: string, overrides: TSampleOverrides): unknown {
  const override = overrides[key];
  if (override) return override();
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  // Beside properties, `anyOf` only says which of them must be there (every one is filled in).
  if (options?.length && !schema.properties) {
    const pick = options.find((o) => o.type !== 'null') ?? options[0]!;
    return fromJsonSchema(pick, key, overrides);
  }
  if (schema.allOf?.length) return fromJsonSchema(schema.allOf[0]!, key, overrides);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      switch (schema.format) {
        case 'email':
          return `probe-${key || 'value'}@example.com`.toLowerCase();
        case 'uuid':
          return newId();
        case 'uri':
        case 'url':
          return 'http://localhost:3000/probe';
        case 'date-time':
          return new Date().toISOString();
        default: {
          if (/id$/i.test(key)) return newId();
          const text = `probe-${key || 'value'}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
          return text.padEnd(schema.minLength ?? 0, 'x');
        }
      }
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum ?? 0) + 1;
    case 'boolean':
      return false;
    case 'array': {
      const count = Math.max(1, schema.minItems ?? 0);
      return Array.from({ length: count }, () =>
        fromJsonSchema(schema.items ?? {}, key, overrides),
      );
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        out[name] = fromJsonSchema(property, name, overrides);
      }
      return out;
    }
    default:
      return schema.default ?? `probe-${key || 'value'}`;
  }
}

import type { z } from 'zod';

/**
 * A partial update that must change something: at least one of the object's own fields present.
 * Said twice on purpose: as a refinement (what zod checks) and as `anyOf` of one-field
 * `required`s (what JSON Schema, so the OpenAPI document, a generated client or a fuzzer reads),
 * since a refinement does not reach JSON Schema and `{}` would look valid there.
 */
export function atLeastOneField<T extends z.ZodObject>(schema: T, message: string) {
  const fields = Object.keys(schema.shape);
  return schema
    .refine(
      (body) => fields.some((field) => (body as Record<string, unknown>)[field] !== undefined),
      { message },
    )
    .meta({ anyOf: fields.map((field) => ({ required: [field] })) });
}

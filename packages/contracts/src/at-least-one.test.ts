import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ZUpdateDigestBody,
  ZUpdateOrganizationSettingsBody,
  ZUpdateRoleBody,
  ZUpdateWebhookBody,
} from './index.ts';

const updates = {
  ZUpdateDigestBody: [ZUpdateDigestBody, { hour: 9 }],
  ZUpdateOrganizationSettingsBody: [ZUpdateOrganizationSettingsBody, { requireTwoFactor: true }],
  ZUpdateRoleBody: [ZUpdateRoleBody, { description: null }],
  ZUpdateWebhookBody: [ZUpdateWebhookBody, { enabled: false }],
} as const;

describe('partial updates that must change something', () => {
  it.each(Object.entries(updates))(
    '%s refuses {} and says so in its JSON Schema, one required field per alternative',
    (_name, [schema, valid]) => {
      expect(schema.safeParse({}).success).toBe(false);
      // Unknown fields are dropped, so they change nothing either.
      expect(schema.safeParse({ unknown: 1 }).success).toBe(false);
      expect(schema.safeParse(valid).success).toBe(true);
      const json = z.toJSONSchema(schema, { io: 'input' }) as {
        properties: Record<string, unknown>;
        anyOf?: { required: string[] }[];
      };
      expect(json.anyOf).toEqual(
        Object.keys(json.properties).map((field) => ({ required: [field] })),
      );
    },
  );
});

import { z } from 'zod';
import { atLeastOneField } from './at-least-one.ts';

export const ZOrganization = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  /** When an owner deleted it; null while active. */
  deletedAt: z.iso.datetime({ offset: true }).nullable(),
  /** After this moment the deletion is final and the data is purged. */
  purgeAfter: z.iso.datetime({ offset: true }).nullable(),
});
export type TOrganization = z.infer<typeof ZOrganization>;

export const ZScheduleDeletionBody = z.object({
  /** The organization's slug, typed by the owner to confirm. */
  confirm: z.string().min(1).max(100),
});

export const ZOrganizationSettings = z.object({
  /** Days audit entries are kept before the clean-up job removes them. */
  auditRetentionDays: z.number().int(),
  /** Members without two-factor authentication may do nothing here until they turn it on. */
  requireTwoFactor: z.boolean(),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type TOrganizationSettings = z.infer<typeof ZOrganizationSettings>;

export const ZUpdateOrganizationSettingsBody = atLeastOneField(
  z.object({
    auditRetentionDays: z.number().int().min(30).max(3650).optional(),
    requireTwoFactor: z.boolean().optional(),
  }),
  'send at least one setting to change',
);
export type TUpdateOrganizationSettingsBody = z.infer<typeof ZUpdateOrganizationSettingsBody>;

export const ZMemberParams = z.object({ userId: z.uuid() });

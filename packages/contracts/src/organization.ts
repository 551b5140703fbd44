import { z } from 'zod';

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

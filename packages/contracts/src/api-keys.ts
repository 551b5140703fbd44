import { z } from 'zod';
import { ZPermission } from './permissions.ts';

export const ZApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The first characters of the key, to tell keys apart (the key itself is shown once). */
  prefix: z.string(),
  permissions: z.array(ZPermission),
  createdBy: z.uuid().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }).nullable(),
  lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
  revokedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type TApiKey = z.infer<typeof ZApiKey>;

/** The answer to creating a key: the only time the key itself is shown. */
export const ZCreatedApiKey = ZApiKey.extend({
  key: z.string(),
});

export const ZApiKeyList = z.object({ data: z.array(ZApiKey) });

export const ZCreateApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  permissions: z
    .array(ZPermission)
    .min(1, 'give the key at least one permission')
    .max(ZPermission.options.length)
    .refine((list) => new Set(list).size === list.length, { message: 'lists a permission twice' }),
  /** Days until the key stops working; without it the key works until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type TCreateApiKeyBody = z.infer<typeof ZCreateApiKeyBody>;

export const ZApiKeyParams = z.object({ id: z.uuid() });

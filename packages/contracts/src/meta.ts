import { z } from 'zod';

export const ZMeta = z.object({
  name: z.literal('Corebase'),
  version: z.string(),
  apiVersion: z.literal('v1'),
  links: z.object({ docs: z.string(), openapi: z.string(), health: z.string() }),
});
export type TMeta = z.infer<typeof ZMeta>;

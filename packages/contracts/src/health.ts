import { z } from 'zod';

export const ZCheckResult = z.object({
  status: z.enum(['ok', 'fail', 'skipped']),
  message: z.string().optional(),
});

export const ZReadiness = z.object({
  status: z.enum(['ok', 'fail']),
  checks: z.object({
    database: ZCheckResult,
    migrations: ZCheckResult,
    redis: ZCheckResult,
  }),
});
export type TReadiness = z.infer<typeof ZReadiness>;

export const ZLiveness = z.object({ status: z.literal('ok') });

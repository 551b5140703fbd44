import { z } from 'zod';
import { ZDateTimeInput } from './datetime.ts';
import type { TPermission } from './permissions.ts';

/** What a report can be about, and the permission a caller needs to ask for it. */
export const reportKinds = [
  {
    kind: 'members',
    title: 'Members',
    description: 'Everyone in the organization: name, email, role, when they joined, two-factor.',
    permission: 'members:read',
    period: false,
  },
  {
    kind: 'activity',
    title: 'Activity',
    description: 'Every audit entry in the period: when, who, what, on what.',
    permission: 'audit:read',
    period: true,
  },
  {
    kind: 'audit_highlights',
    title: 'Audit highlights',
    description:
      'Security-relevant changes in the period (members and their roles, invitations, two-factor resets, custom roles, API keys, webhooks, organization settings), counted and listed.',
    permission: 'audit:read',
    period: true,
  },
] as const satisfies readonly {
  kind: string;
  title: string;
  description: string;
  permission: TPermission;
  /** Whether it covers a period (`from`, `to`; the last 30 days by default). */
  period: boolean;
}[];
export type TReportKind = (typeof reportKinds)[number]['kind'];
export const ZReportKind = z.enum(
  reportKinds.map((entry) => entry.kind) as [TReportKind, ...TReportKind[]],
);

export const reportFormats = ['csv', 'pdf'] as const;
export const ZReportFormat = z.enum(reportFormats);
export type TReportFormat = z.infer<typeof ZReportFormat>;

export const reportStatuses = ['queued', 'running', 'ready', 'failed', 'expired'] as const;
export const ZReportStatus = z.enum(reportStatuses);

/** The longest period a report may cover. */
export const reportMaxPeriodDays = 366;

const at = z.iso.datetime({ offset: true });

export const ZCreateReportBody = z
  .object({
    kind: ZReportKind,
    format: ZReportFormat,
    /** Start of the period (activity, audit highlights). Default: 30 days before `to`. */
    from: ZDateTimeInput.optional(),
    /** End of the period. Default: now. */
    to: ZDateTimeInput.optional(),
  })
  .refine((body) => !body.from || !body.to || new Date(body.from) < new Date(body.to), {
    message: 'from must be before to',
    path: ['from'],
  })
  .refine(
    (body) =>
      !body.from ||
      !body.to ||
      new Date(body.to).getTime() - new Date(body.from).getTime() <=
        reportMaxPeriodDays * 86_400_000,
    { message: `a period of at most ${reportMaxPeriodDays} days`, path: ['to'] },
  );
export type TCreateReportBody = z.infer<typeof ZCreateReportBody>;

export const ZReport = z.object({
  id: z.uuid(),
  kind: ZReportKind,
  format: ZReportFormat,
  /** queued → running → ready (or failed); ready reports become expired when their file is gone. */
  status: ZReportStatus,
  /** 0–100. */
  progress: z.number().int().min(0).max(100),
  /** The period covered, for kinds that have one. */
  from: at.nullable(),
  to: at.nullable(),
  /** Data rows in the file, once ready. */
  rowCount: z.number().int().nullable(),
  sizeBytes: z.number().int().nullable(),
  /** Why it failed, when it did. */
  error: z.string().nullable(),
  /** The file name the download is saved as. */
  fileName: z.string(),
  /**
   * A link that downloads the file without credentials until `downloadExpiresAt`; a new one with
   * every read of the report. Null unless ready.
   */
  downloadUrl: z.string().nullable(),
  downloadExpiresAt: at.nullable(),
  createdAt: at,
  completedAt: at.nullable(),
  /** When the file is deleted. */
  expiresAt: at.nullable(),
});
export type TReport = z.infer<typeof ZReport>;

export const ZReportPage = z.object({
  data: z.array(ZReport),
  nextCursor: z.string().nullable(),
});

export const ZListReportsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const ZReportParams = z.object({ id: z.uuid() });

export const ZReportKinds = z.object({
  data: z.array(
    z.object({
      kind: ZReportKind,
      title: z.string(),
      description: z.string(),
      permission: z.string(),
      period: z.boolean(),
    }),
  ),
});

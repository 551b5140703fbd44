import {
  reportFailed,
  reportKinds,
  reportMaxPeriodDays,
  reportReady,
  reportRequested,
  type TCreateReportBody,
  type TReport,
  type TReportKind,
} from '@corebase/contracts';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Audit } from '#server/modules/audit/audit.service';
import type { TAuditRow } from '#server/modules/audit/audit.repository';
import {
  countInProgress,
  findExpiredReports,
  findLiveFileKeys,
  findReport,
  insertReport,
  listReports,
  lockRequester,
  markExpired,
  updateReport,
  type TReportRow,
} from '#server/modules/reports/reports.repository';
import {
  renderCsv,
  renderPdf,
  type TReportDocument,
  type TReportSection,
} from '#server/modules/reports/reports.render';
import type { Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import { AppError } from '#server/platform/errors';
import { defineJob, type JobQueue } from '#server/platform/jobs/jobs';
import type { Events } from '#server/platform/outbox/events';
import type { FileStorage } from '#server/platform/storage/storage';

/** Produces one report; keyed by the report, so a repeated enqueue runs it once. */
export const generateReport = defineJob({
  name: 'reports.generate',
  queue: 'reports',
  schema: z.object({ orgId: z.uuid(), reportId: z.uuid() }),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 10_000 },
  dedupKey: (payload) => `report:${payload.reportId}`,
});

/** Turns a `report.requested` event into its generate job (keyed by the report). */
export const queueReport = defineJob({
  name: 'reports.queue',
  queue: 'reports',
  schema: z.object({ orgId: z.uuid(), reportId: z.uuid() }),
  attempts: 8,
  backoff: { type: 'exponential', delayMs: 5_000 },
});

/** Deletes the files of expired reports, and files no ready report points at; hourly. */
export const purgeExpiredReports = defineJob({
  name: 'reports.purge-expired',
  queue: 'reports',
  schema: z.object({}),
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
});

/** Reports a person may have in the works at once in one organization. */
export const maxReportsInProgress = 5;
/** The most data rows one report holds; the document says when it was cut there. */
export const maxReportRows = 50_000;
const defaultPeriodDays = 30;
const auditPage = 1_000;

/**
 * Audit actions that make the highlights (by prefix): those an organization's log holds. A
 * person's own security events (sign-ins, passwords, their two-factor) and impersonations are
 * platform entries, outside any organization's log.
 */
const highlightPrefixes = [
  'member.',
  'invitation.',
  'role.',
  'api_key.',
  'webhook.',
  'organization.',
];
const isHighlight = (action: string) => highlightPrefixes.some((p) => action.startsWith(p));

const byKind = new Map(reportKinds.map((entry) => [entry.kind, entry]));
const contentTypes = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

export type TReportRequester = {
  userId: string;
  apiKeyId?: string | undefined;
  permissions: ReadonlySet<string>;
  context?: { ip?: string; userAgent?: string; requestId?: string };
};

/** A file younger than this is never taken for an orphan: its report may be finishing. */
const orphanGraceMs = 6 * 3_600_000;

export type TReportsDeps = {
  tenancy: Tenancy;
  storage: FileStorage;
  jobs: Pick<JobQueue, 'enqueue'>;
  events: Events;
  audit: Audit;
  /** From identity: the organization's name and slug, its members, people's names. */
  organizationOf: (tx: Tx, orgId: string) => Promise<{ name: string; slug: string }>;
  membersOf: (
    tx: Tx,
    orgId: string,
  ) => Promise<
    {
      name: string;
      email: string;
      role: string;
      joinedAt: Date;
      twoFactorEnabled: boolean;
    }[]
  >;
  namesOf: (
    tx: Tx,
    ids: readonly string[],
  ) => Promise<Map<string, { name: string; email: string }>>;
  /** How long a ready report's file is kept. */
  retentionDays: number;
  /** How long a download link works. */
  linkTtlSeconds: number;
  logger: Logger;
  clock?: () => Date;
};

const day = (at: Date) => at.toISOString().slice(0, 10);

/** The name the download is saved as: `<org slug>-<kind>-<date>.<format>`. */
const fileNameOf = (row: TReportRow, slug: string) =>
  `${slug}-${row.kind.replace(/_/g, '-')}-${day(row.createdAt)}.${row.format}`;

export function createReportsService(deps: TReportsDeps) {
  const { tenancy, storage, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();

  /** A report as the API shows it, with a fresh download link when it is ready. */
  const present = async (row: TReportRow, slug: string): Promise<TReport> => {
    const fileName = fileNameOf(row, slug);
    const link =
      row.status === 'ready' && row.fileKey
        ? await storage.signedUrl(row.fileKey, {
            expiresInSeconds: deps.linkTtlSeconds,
            fileName,
          })
        : undefined;
    return {
      id: row.id,
      kind: row.kind as TReportKind,
      format: row.format as TReport['format'],
      status: row.status as TReport['status'],
      progress: row.progress,
      from: row.periodFrom?.toISOString() ?? null,
      to: row.periodTo?.toISOString() ?? null,
      rowCount: row.rowCount,
      sizeBytes: row.sizeBytes,
      error: row.error,
      fileName,
      downloadUrl: link?.url ?? null,
      downloadExpiresAt: link?.expiresAt.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
      completedAt: row.completedAt?.toISOString() ?? null,
      expiresAt: row.expiresAt?.toISOString() ?? null,
    };
  };

  const slugOf = (tx: Tx, orgId: string) => deps.organizationOf(tx, orgId).then((o) => o.slug);

  const setProgress = (orgId: string, reportId: string, progress: number) =>
    tenancy.withTenant(orgId, (tx) => updateReport(tx, reportId, ['running'], { progress }));

  /** The kinds a caller's permissions let them ask for and read. */
  const kindsFor = (permissions: ReadonlySet<string>) =>
    reportKinds.filter((entry) => permissions.has(entry.permission)).map((entry) => entry.kind);

  const fieldError = (field: string, message: string) =>
    new AppError('validation_failed', `${field}: ${message}.`, {
      details: { errors: [{ in: 'body', field, message }] },
    });

  /** Every audit entry of the period, newest first, up to the row cap (and whether it was hit). */
  const auditEntriesOf = async (
    orgId: string,
    from: Date,
    to: Date,
    keep: (row: TAuditRow) => boolean,
  ) => {
    const rows: TAuditRow[] = [];
    let before: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const page = await tenancy.withTenant(orgId, (tx) =>
        deps.audit.list(tx, { from, to, limit: auditPage, ...(before ? { before } : {}) }),
      );
      rows.push(...page.filter(keep));
      if (rows.length >= maxReportRows) return { rows: rows.slice(0, maxReportRows), cut: true };
      const last = page.at(-1);
      if (page.length < auditPage || !last) return { rows, cut: false };
      before = { createdAt: last.createdAt, id: last.id };
    }
  };

  const actorOf = (row: TAuditRow, names: Map<string, { name: string; email: string }>) => {
    if (row.actorType === 'system') return 'system';
    const person = row.actorId ? names.get(row.actorId) : undefined;
    const who = person ? `${person.name} <${person.email}>` : (row.actorId ?? 'unknown');
    return row.apiKeyId ? `${who} (API key)` : who;
  };

  const activitySection = async (
    orgId: string,
    heading: string,
    entries: TAuditRow[],
  ): Promise<TReportSection> => {
    const ids = [...new Set(entries.flatMap((row) => (row.actorId ? [row.actorId] : [])))];
    const names = await tenancy.withTenant(orgId, (tx) => deps.namesOf(tx, ids));
    return {
      heading,
      columns: [
        { key: 'time', label: 'Time (UTC)', width: 2 },
        { key: 'actor', label: 'Actor', width: 3 },
        { key: 'action', label: 'Action', width: 3 },
        { key: 'target', label: 'Target', width: 3 },
        { key: 'ip', label: 'IP', width: 2 },
      ],
      rows: entries.map((row) => ({
        time: row.createdAt.toISOString().replace('T', ' ').slice(0, 19),
        actor: actorOf(row, names),
        action: row.action,
        target: row.targetType ? `${row.targetType} ${row.targetId ?? ''}`.trim() : null,
        ip: row.ip,
      })),
    };
  };

  /** The data of a report, as sections (CSV: the first one; PDF: all). */
  const sectionsOf = async (row: TReportRow): Promise<TReportSection[]> => {
    const orgId = row.orgId;
    const from = row.periodFrom ?? new Date(0);
    const to = row.periodTo ?? now();
    const cutNote = (cut: boolean): [string, string][] =>
      cut ? [['Note', `Only the first ${maxReportRows} rows are listed.`]] : [];
    switch (row.kind as TReportKind) {
      case 'members': {
        const members = await tenancy.withTenant(orgId, (tx) => deps.membersOf(tx, orgId));
        const roles = new Map<string, number>();
        for (const m of members) roles.set(m.role, (roles.get(m.role) ?? 0) + 1);
        const withTwoFactor = members.filter((m) => m.twoFactorEnabled).length;
        const cut = members.length > maxReportRows;
        return [
          {
            heading: 'Members',
            summary: [
              ['Members', String(members.length)],
              ...[...roles].map(([role, n]): [string, string] => [`Role ${role}`, String(n)]),
              ['Two-factor on', `${withTwoFactor} of ${members.length}`],
              ...cutNote(cut),
            ],
            columns: [
              { key: 'name', label: 'Name', width: 3 },
              { key: 'email', label: 'Email', width: 4 },
              { key: 'role', label: 'Role', width: 2 },
              { key: 'joined', label: 'Joined', width: 2 },
              { key: 'twoFactor', label: 'Two-factor', width: 1.5 },
            ],
            rows: members.slice(0, maxReportRows).map((m) => ({
              name: m.name,
              email: m.email,
              role: m.role,
              joined: day(m.joinedAt),
              twoFactor: m.twoFactorEnabled ? 'on' : 'off',
            })),
          },
        ];
      }
      case 'activity': {
        const { rows, cut } = await auditEntriesOf(orgId, from, to, () => true);
        await setProgress(orgId, row.id, 40);
        const section = await activitySection(orgId, 'Activity', rows);
        return [{ ...section, summary: [['Entries', String(rows.length)], ...cutNote(cut)] }];
      }
      case 'audit_highlights': {
        const { rows, cut } = await auditEntriesOf(orgId, from, to, (r) => isHighlight(r.action));
        await setProgress(orgId, row.id, 40);
        const counts = new Map<string, number>();
        for (const r of rows) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
        const section = await activitySection(orgId, 'Security-relevant changes', rows);
        return [
          {
            heading: 'Counts by action',
            columns: [
              { key: 'action', label: 'Action', width: 4 },
              { key: 'count', label: 'Entries', width: 1 },
            ],
            rows: [...counts]
              .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
              .map(([action, count]) => ({ action, count })),
          },
          { ...section, summary: [['Entries', String(rows.length)], ...cutNote(cut)] },
        ];
      }
    }
  };

  /** Marks a report failed (unless it finished meanwhile), with its event, in `tx`. */
  const failIn = async (tx: Tx, reportId: string, error: string) => {
    const current = await findReport(tx, reportId);
    if (!current) return;
    const failed = await updateReport(tx, reportId, ['queued', 'running'], {
      status: 'failed',
      error,
      completedAt: now(),
    });
    if (!failed) return;
    await deps.events.emit(
      tx,
      reportFailed,
      {
        reportId,
        kind: current.kind,
        format: current.format,
        requestedByUserId: current.requestedBy,
        error,
      },
      { orgId: current.orgId },
    );
  };

  return {
    kinds: () => reportKinds.map((entry) => ({ ...entry })),

    /**
     * Records the request and queues its job. 403 without the kind's permission, 400 for a
     * period the kind has no use for, 409 past the in-progress limit, 503 (nothing kept) when
     * the queue is down.
     */
    async request(orgId: string, requester: TReportRequester, body: TCreateReportBody) {
      const kind = byKind.get(body.kind)!;
      if (!requester.permissions.has(kind.permission)) {
        throw new AppError(
          'forbidden',
          `A ${kind.title.toLowerCase()} report needs the ${kind.permission} permission, which you do not have here.`,
        );
      }
      if (!kind.period && (body.from || body.to)) {
        throw fieldError(
          body.from ? 'from' : 'to',
          `a ${kind.title.toLowerCase()} report covers no period: leave out from and to`,
        );
      }
      const to = body.to ? new Date(body.to) : now();
      const from = body.from
        ? new Date(body.from)
        : new Date(to.getTime() - defaultPeriodDays * 86_400_000);
      if (kind.period && from >= to) {
        throw fieldError('from', 'from must be before to (to defaults to now)');
      }
      if (kind.period && to.getTime() - from.getTime() > reportMaxPeriodDays * 86_400_000) {
        throw fieldError(
          body.from ? 'from' : 'to',
          `a period of at most ${reportMaxPeriodDays} days (to defaults to now, from to 30 days before to)`,
        );
      }
      return tenancy.withTenant(orgId, async (tx) => {
        // One request at a time per person here: the limit holds under concurrent requests.
        await lockRequester(tx, orgId, requester.userId);
        const inProgress = await countInProgress(tx, orgId, requester.userId);
        if (inProgress >= maxReportsInProgress) {
          throw new AppError(
            'conflict',
            `You have ${inProgress} reports in progress here; wait for one to finish before asking for another.`,
          );
        }
        const row = await insertReport(tx, {
          orgId,
          requestedBy: requester.userId,
          apiKeyId: requester.apiKeyId ?? null,
          kind: body.kind,
          format: body.format,
          periodFrom: kind.period ? from : null,
          periodTo: kind.period ? to : null,
        });
        await deps.audit.record(tx, {
          orgId,
          actor: { type: 'user', id: requester.userId },
          action: 'report.requested',
          target: { type: 'report', id: row.id },
          after: {
            kind: body.kind,
            format: body.format,
            from: row.periodFrom?.toISOString() ?? null,
            to: row.periodTo?.toISOString() ?? null,
          },
          ...(requester.context ? { context: requester.context } : {}),
        });
        // Its job comes from this event: the request and its production commit together, and
        // a queue that is down meanwhile only delays it.
        await deps.events.emit(tx, reportRequested, {
          reportId: row.id,
          kind: row.kind,
          format: row.format,
          requestedByUserId: row.requestedBy,
          from: row.periodFrom?.toISOString() ?? null,
          to: row.periodTo?.toISOString() ?? null,
        });
        return present(row, await slugOf(tx, orgId));
      });
    },

    /** The event's job: queues the generate job, keyed by the report (once however often). */
    queue: async (payload: { orgId: string; reportId: string }) => {
      await deps.jobs.enqueue(generateReport, payload);
    },

    /** The reader's own reports, of the kinds their permissions still allow. */
    async list(
      orgId: string,
      reader: { userId: string; permissions: ReadonlySet<string> },
      filter: { before?: { createdAt: Date; id: string }; limit: number },
    ) {
      return tenancy.withTenant(orgId, async (tx) => {
        const rows = await listReports(tx, {
          orgId,
          requestedBy: reader.userId,
          kinds: kindsFor(reader.permissions),
          ...filter,
        });
        const slug = await slugOf(tx, orgId);
        return { rows, present: (row: TReportRow) => present(row, slug) };
      });
    },

    async get(
      orgId: string,
      reader: { userId: string; permissions: ReadonlySet<string> },
      id: string,
    ) {
      return tenancy.withTenant(orgId, async (tx) => {
        const row = await findReport(tx, id);
        // Someone who lost the kind's permission (or a key without it) no longer sees it.
        const allowed: readonly string[] = kindsFor(reader.permissions);
        if (
          !row ||
          row.orgId !== orgId ||
          row.requestedBy !== reader.userId ||
          !allowed.includes(row.kind)
        ) {
          throw new AppError('not_found', `You have no report ${id} in this organization.`);
        }
        return present(row, await slugOf(tx, orgId));
      });
    },

    /**
     * The job: gathers the data, renders the file, stores it and marks the report ready with
     * its event (the notification) in one transaction. Run again after it finished, it does
     * nothing; its last failed attempt marks the report failed.
     */
    async generate(
      payload: { orgId: string; reportId: string },
      options: { lastAttempt: boolean },
    ) {
      const row = await tenancy.withTenant(payload.orgId, async (tx) => {
        const found = await findReport(tx, payload.reportId);
        if (!found) return undefined;
        const claimed = await updateReport(tx, found.id, ['queued', 'running'], {
          status: 'running',
          progress: 5,
        });
        return claimed ? found : undefined;
      });
      if (!row) return;
      try {
        const organization = await tenancy.withTenant(row.orgId, (tx) =>
          deps.organizationOf(tx, row.orgId),
        );
        const sections = await sectionsOf(row);
        await setProgress(row.orgId, row.id, 50);
        const kind = byKind.get(row.kind as TReportKind)!;
        const document: TReportDocument = {
          title: `${kind.title} report`,
          organization: organization.name,
          period:
            row.periodFrom && row.periodTo ? `${day(row.periodFrom)} – ${day(row.periodTo)}` : null,
          generatedAt: now(),
          sections,
        };
        let shown = 50;
        const body =
          row.format === 'csv'
            ? renderCsv(sections.at(-1)!)
            : await renderPdf(document, async (fraction) => {
                const progress = 50 + Math.floor(fraction * 45);
                if (progress >= shown + 5) {
                  shown = progress;
                  await setProgress(row.orgId, row.id, progress);
                }
              });
        const fileKey = `reports/${row.orgId}/${row.id}.${row.format}`;
        const { sizeBytes } = await storage.put(fileKey, body, {
          contentType: contentTypes[row.format as 'csv' | 'pdf'],
        });
        const rowCount = sections.at(-1)!.rows.length;
        const finished = now();
        await tenancy.withTenant(row.orgId, async (tx) => {
          // Only the run that finishes first announces it (a stalled job run twice, or one
          // finishing after its report was failed, changes nothing).
          const finishedHere = await updateReport(tx, row.id, ['running'], {
            status: 'ready',
            progress: 100,
            fileKey,
            rowCount,
            sizeBytes,
            error: null,
            completedAt: finished,
            expiresAt: new Date(finished.getTime() + deps.retentionDays * 86_400_000),
          });
          if (!finishedHere) return;
          await deps.events.emit(tx, reportReady, {
            reportId: row.id,
            kind: row.kind,
            format: row.format,
            requestedByUserId: row.requestedBy,
            rowCount,
            sizeBytes,
          });
        });
      } catch (error) {
        logger.error({ err: error, reportId: row.id }, 'report generation failed');
        if (options.lastAttempt) {
          await tenancy.withTenant(row.orgId, (tx) =>
            failIn(
              tx,
              row.id,
              'The report could not be produced. Ask for it again; if it keeps failing, tell your administrator (the server log has the cause).',
            ),
          );
        }
        throw error;
      }
    },

    /**
     * A report whose job died (a crash on its last attempt) is failed, not left running; called
     * from the job's settle hook, with the maintenance transaction it gives.
     */
    async abandoned(tx: Tx, dedupKey: string) {
      const reportId = /^report:([0-9a-f-]{36})$/.exec(dedupKey)?.[1];
      if (reportId) {
        await failIn(tx, reportId, 'The report job stopped before it finished. Ask for it again.');
      }
    },

    /**
     * Deletes expired files (their rows then say expired), a batch at a time; a file that
     * cannot be deleted is logged and tried again next time, without holding up the others.
     * Then files no ready report points at (an organization purged, a person deleted, a run
     * that stopped after writing) once they are some hours old.
     */
    async purgeExpired(): Promise<number> {
      let removed = 0;
      const skipped = new Set<string>();
      for (;;) {
        const batch = (
          await tenancy.withMaintenance((tx) => findExpiredReports(tx, now(), 200))
        ).filter((row) => !skipped.has(row.id));
        if (batch.length === 0) break;
        const done: string[] = [];
        for (const row of batch) {
          try {
            if (row.fileKey) await storage.delete(row.fileKey);
            done.push(row.id);
          } catch (error) {
            skipped.add(row.id);
            logger.error(
              { err: error, reportId: row.id },
              'an expired report file could not be deleted',
            );
          }
        }
        await tenancy.withMaintenance((tx) => markExpired(tx, done));
        removed += done.length;
        if (batch.length < 200) break;
      }
      const files = await storage.list('reports');
      const old = files.filter(
        (file) => now().getTime() - file.modifiedAt.getTime() > orphanGraceMs,
      );
      for (let i = 0; i < old.length; i += 500) {
        const keys = old.slice(i, i + 500).map((file) => file.key);
        const live = await tenancy.withMaintenance((tx) => findLiveFileKeys(tx, keys));
        for (const key of keys.filter((k) => !live.has(k))) {
          try {
            await storage.delete(key);
            removed += 1;
          } catch (error) {
            logger.error({ err: error, key }, 'an orphaned report file could not be deleted');
          }
        }
      }
      return removed;
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;

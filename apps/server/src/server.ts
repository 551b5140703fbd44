import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TReadiness } from '@corebase/contracts';
import type { FastifyPluginAsync } from 'fastify';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { loadConfig, type TConfig } from '#server/config';
import { createAuth, type Auth } from '#server/modules/auth/auth';
import { libraryPermissionOf } from '#server/modules/auth/auth.access';
import { impersonationNoticeEmail, twoFactorResetEmail } from '#server/modules/auth/auth.emails';
import { authOpenApi, authRoutes } from '#server/modules/auth/auth.routes';
import { createLockout } from '#server/modules/auth/lockout';
import { createAuthenticator } from '#server/modules/auth/principal';
import { apiKeyRoutes } from '#server/modules/api-keys/api-keys.routes';
import {
  createApiKeysService,
  type ApiKeysService,
} from '#server/modules/api-keys/api-keys.service';
import { auditRoutes } from '#server/modules/audit/audit.routes';
import { createAudit, type Audit } from '#server/modules/audit/audit.service';
import {
  createIdentityService,
  type IdentityService,
} from '#server/modules/identity/identity.service';
import { organizationRoutes } from '#server/modules/identity/organization.routes';
import {
  impersonationRoutes,
  sessionImpersonationOf,
} from '#server/modules/impersonation/impersonation.routes';
import {
  createImpersonationService,
  type ImpersonationService,
} from '#server/modules/impersonation/impersonation.service';
import {
  createImpersonationCookies,
  createImpersonationSessions,
} from '#server/modules/impersonation/impersonation.sessions';
import { roleRoutes } from '#server/modules/identity/roles.routes';
import { createRolesService, type RolesService } from '#server/modules/identity/roles.service';
import { settingsRoutes } from '#server/modules/settings/settings.routes';
import {
  createSettingsService,
  type SettingsService,
} from '#server/modules/settings/settings.service';
import { systemRoutes } from '#server/modules/system/system.routes';
import { authEncryptedColumns } from '#server/modules/auth/auth.encryption';
import { acquireDataDirLock, type DataDirLock } from '#server/platform/data-dir-lock';
import { createKeyring, type Keyring } from '#server/platform/crypto/keyring';
import {
  createKeyRotation,
  defineEncryptedColumns,
  keyringColumn,
  type KeyRotation,
  type TEncryptedColumn,
} from '#server/platform/crypto/rotation';
import { createDatabase, type Database, type Tx } from '#server/platform/db/database';
import { migrate, readMigrations } from '#server/platform/db/migrate';
import { createTenancy, type Tenancy } from '#server/platform/db/tenancy';
import { buildApp, type App, type TAuthenticate } from '#server/platform/http/app';
import { currentApiKeyId } from '#server/platform/http/api-key-scope';
import { currentActingFor } from '#server/platform/http/impersonation';
import { opsRoutes } from '#server/platform/http/ops.routes';
import { createWebApp, defaultWebDir, type WebApp } from '#server/platform/http/web';
import { createMailer, type Mailer } from '#server/platform/mail/mailer';
import { createMetrics, type Metrics } from '#server/platform/metrics';
import { deadLetterRoutes } from '#server/modules/operations/dead-letters.routes';
import { queueBoardRoutes } from '#server/modules/operations/queue-board';
import { queueRoutes } from '#server/modules/operations/queues.routes';
import {
  createDeadLettersService,
  type DeadLettersService,
} from '#server/modules/operations/dead-letters.service';
import { createBullmqQueue } from '#server/platform/jobs/bullmq-driver';
import { recordDeadLetter } from '#server/platform/jobs/dead-letters';
import { countDeadLetters } from '#server/platform/jobs/dead-letters';
import { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { createJobMetrics, type JobMetrics } from '#server/platform/jobs/job-metrics';
import {
  createJobRegistry,
  type JobQueue,
  type TJobRegistry,
  type TJobSettled,
  type TRegisteredJob,
  type TSchedule,
} from '#server/platform/jobs/jobs';
import { retentionJobs, retentionSchedules } from '#server/platform/jobs/retention';
import {
  acknowledgeDelivery,
  createOutboxDispatcher,
  outboxLagSeconds,
  type OutboxDispatcher,
  type TSubscriber,
} from '#server/platform/outbox/dispatcher';
import { auditJobs, auditSchedules } from '#server/modules/audit/audit.jobs';
import {
  notificationJobs,
  notificationSchedules,
  notificationSubscribers,
} from '#server/modules/notifications/notifications.jobs';
import { identityNotices, organizationAdmins } from '#server/modules/identity/identity.notices';
import { webhookNotices } from '#server/modules/webhooks/webhooks.notices';
import { notificationRoutes } from '#server/modules/notifications/notifications.routes';
import { createDigests, type Digests } from '#server/modules/notifications/notifications.digest';
import {
  createNotificationsService,
  type NotificationsService,
} from '#server/modules/notifications/notifications.service';
import {
  defineDeliverWebhook,
  onWebhookJobSettled,
  webhookJobs,
  webhookSchedules,
  webhookSubscribers,
} from '#server/modules/webhooks/webhooks.jobs';
import { webhookRoutes } from '#server/modules/webhooks/webhooks.routes';
import { webhookEndpoints } from '#server/modules/webhooks/webhooks.schema';
import {
  createWebhooksService,
  previousSecretColumn,
  secretColumn,
  type WebhooksService,
} from '#server/modules/webhooks/webhooks.service';
import { createSafeFetch } from '#server/platform/http/safe-fetch';
import { createAmqpPublisher } from '#server/platform/streaming/amqp-publisher';
import { streamingJobs, streamingSubscribers } from '#server/platform/streaming/streaming.jobs';
import { identityJobs, identitySchedules } from '#server/modules/identity/identity.jobs';
import { createEvents } from '#server/platform/outbox/events';
import {
  reportJobs,
  reportSchedules,
  reportSubscribers,
  onReportJobSettled,
} from '#server/modules/reports/reports.jobs';
import { reportNotices } from '#server/modules/reports/reports.notices';
import { reportRoutes } from '#server/modules/reports/reports.routes';
import { createReportsService, type ReportsService } from '#server/modules/reports/reports.service';
import { fileRoutes } from '#server/platform/storage/files.routes';
import { createLocalStorage } from '#server/platform/storage/local-storage';
import { createUrlSigner, type UrlSigner } from '#server/platform/storage/signed-urls';
import type { FileStorage } from '#server/platform/storage/storage';
import { createReadiness } from '#server/platform/readiness';
import { seedDemo, type TSeedResult } from '#server/seed';
import { version } from '#server/version';

export type Services = {
  database: Database;
  tenancy: Tenancy;
  identity: IdentityService;
  roles: RolesService;
  settings: SettingsService;
  apiKeys: ApiKeysService;
  audit: Audit;
  mailer: Mailer;
  auth: Auth;
  authenticate: TAuthenticate;
  impersonations: ImpersonationService;
  /** Encrypts our own secrets at rest (AES-256-GCM, key ids); rotated by `npm run rotate-keys`. */
  keyring: Keyring;
  /** Re-encrypts every registered encrypted column under the current key. */
  keyRotation: KeyRotation;
  /** Every job this server knows, with its handler. */
  jobRegistry: TJobRegistry;
  /** Enqueues jobs; processes them where the worker role runs (`jobs.start()`). */
  jobs: JobQueue;
  deadLetters: DeadLettersService;
  /** Delivers outbox events to their subscribers as jobs (runs with the worker role). */
  dispatcher: OutboxDispatcher;
  /** Repeatable jobs, started by the scheduler role (`jobs.schedule`). */
  schedules: readonly TSchedule[];
  /** Job durations, failures, queue depths, dead letters and outbox lag for `/metrics`. */
  jobMetrics: JobMetrics;
  webhooks: WebhooksService;
  notifications: NotificationsService;
  digests: Digests;
  reports: ReportsService;
  /** Generated files (reports), and the signer of their download links. */
  storage: FileStorage;
  fileSigner: UrlSigner;
  /** Closes outbound connections (webhook HTTP agent, RabbitMQ): after the jobs stopped. */
  closeOutbound: () => Promise<void>;
};

/** Repeatable jobs, each declared beside its job in the owning module's `*.jobs.ts`. */
const scheduleList: readonly TSchedule[] = [
  ...identitySchedules,
  ...auditSchedules,
  ...retentionSchedules,
  ...webhookSchedules,
  ...notificationSchedules,
  ...reportSchedules,
];

/**
 * Columns our keyring encrypts, each declared by the module owning it with `keyringColumn`
 * (webhook signing secrets will be the first); better-auth's are declared by the auth module.
 */
const keyringColumns = (keyring: Keyring): TEncryptedColumn[] => [
  keyringColumn(keyring, {
    name: secretColumn,
    kind: 'tenant',
    table: webhookEndpoints,
    id: webhookEndpoints.id,
    value: webhookEndpoints.secret,
  }),
  keyringColumn(keyring, {
    name: previousSecretColumn,
    kind: 'tenant',
    table: webhookEndpoints,
    id: webhookEndpoints.id,
    value: webhookEndpoints.previousSecret,
  }),
];

/** The composition root: every service built once, with exactly the dependencies it uses. */
export function createServices(
  database: Database,
  config: TConfig,
  logger: Logger,
  redis?: Redis,
  /** Jobs beside the server's own (tests register theirs). */
  extraJobs: TRegisteredJob[] = [],
): Services {
  const tenancy = createTenancy(database);
  // Entries written while a superadmin impersonates the request's user name the superadmin.
  const audit = createAudit({
    currentImpersonator: () => currentActingFor()?.impersonatorId,
    currentApiKey: currentApiKeyId,
  });
  const events = createEvents();
  const settings = createSettingsService({ audit, events });
  const roles = createRolesService({ audit, events, libraryPermission: libraryPermissionOf });
  const identity = createIdentityService({
    audit,
    events,
    settings,
    roles,
    graceDays: config.ORG_DELETION_GRACE_DAYS,
  });
  const mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    dir: path.join(config.CB_DATA_DIR, 'mail'),
    from: config.MAIL_FROM,
  });
  const keyring = createKeyring(config.ENCRYPTION_KEYS);
  // Download links are signed with a key of their own, derived from AUTH_SECRET.
  const fileSigner = createUrlSigner({
    secret: Buffer.from(hkdfSync('sha256', config.AUTH_SECRET, '', 'corebase file links v1', 32)),
    baseUrl: config.PUBLIC_URL,
  });
  const storage = createLocalStorage({
    root: path.resolve(config.FILES_DIR ?? path.join(config.CB_DATA_DIR, 'files')),
    signer: fileSigner,
  });
  const impersonations = createImpersonationService({
    tenancy,
    audit,
    events,
    identity,
    // better-auth's sessions; its hooks call back into this service, so it comes first.
    sessions: createImpersonationSessions(() => auth),
    notify: ({ user, admin, reason, expiresAt }) =>
      mailer.send(
        impersonationNoticeEmail(user.email, user.name, {
          admin: admin.name ? `${admin.name} (${admin.email})` : admin.email,
          reason,
          expiresAt,
          accountUrl: `${config.PUBLIC_URL}/account`,
        }),
      ),
    logger,
  });
  const auth = createAuth({
    config,
    keyring,
    db: database.db,
    mailer,
    logger,
    redis,
    lockout: createLockout({
      tenancy,
      secret: config.AUTH_SECRET,
      threshold: config.AUTH_LOCKOUT_THRESHOLD,
      lockMinutes: config.AUTH_LOCKOUT_MINUTES,
    }),
    knownDevice: (userId, sessionId, userAgent) =>
      tenancy.withPlatform((tx) => identity.hasOtherSessionFrom(tx, userId, sessionId, userAgent)),
    onOrganizationCreated: (org) =>
      tenancy.withTenant(org.id, (tx) => identity.completeOrganization(tx, org)),
    emitOrganizationEvent: async (orgId, event, payload) => {
      await tenancy.withTenant(orgId, (tx) => events.emit(tx, event, payload));
    },
    defaultOrganization: (userId) =>
      tenancy.withPlatform((tx) => identity.findOnlyOrganization(tx, userId)),
    soleOwnerships: async (userId) =>
      (await tenancy.withPlatform((tx) => identity.findSoleOwnerships(tx, userId))).map(
        (o) => o.name,
      ),
    onImpersonationSessionEnding: (session) => impersonations.sessionEnded(session),
    recordSecurityEvent: async (entry) => {
      const record = (tx: Tx) => audit.record(tx, entry);
      // Organization events land in that organization's log; the rest are platform entries.
      await (entry.orgId ? tenancy.withTenant(entry.orgId, record) : tenancy.withPlatform(record));
    },
  });
  const apiKeys = createApiKeysService({ audit, events });
  const keyRotation = createKeyRotation({
    tenancy,
    columns: defineEncryptedColumns([
      ...authEncryptedColumns({
        keyring,
        legacySecret: config.AUTH_SECRET,
        encryptOAuthTokens: auth.options.account?.encryptOAuthTokens === true,
      }),
      ...keyringColumns(keyring),
    ]),
  });
  const authenticate = createAuthenticator({
    auth,
    identity,
    roles,
    settings,
    apiKeys,
    tenancy,
    impersonations,
  });
  /**
   * Every job, listed once with its handler (each module's `*.jobs.ts` exports its entries).
   * Start-up fails when two claim one name or a schedule's job has no handler (docs/jobs.md).
   */
  const safeFetch = createSafeFetch({
    allow: config.WEBHOOK_ALLOWED_HOSTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: 64 * 1024,
  });
  const deliverWebhook = defineDeliverWebhook(config.WEBHOOK_RETRY_SCHEDULE);
  const webhooks = createWebhooksService({
    tenancy,
    keyring,
    audit,
    events,
    // The queue is built below, from the registry these jobs join; called only later.
    jobs: { enqueue: (definition, payload, options) => jobs.enqueue(definition, payload, options) },
    deliverJob: deliverWebhook,
    safeFetch,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
    logger: logger.child({ component: 'webhooks' }),
  });
  // Admins learn of a disabled endpoint through its event: in-app and by email, as they prefer.
  const notifications = createNotificationsService({
    tenancy,
    recipientsOf: {
      ...identityNotices({
        tenancy,
        publicUrl: config.PUBLIC_URL,
        twoFactorResetMail: (to, name, organization) =>
          twoFactorResetEmail(to, name, {
            organization,
            signInUrl: `${config.PUBLIC_URL}/sign-in`,
          }),
      }),
      ...webhookNotices({
        adminsOf: organizationAdmins({ tenancy }),
        publicUrl: config.PUBLIC_URL,
      }),
      ...reportNotices({
        tenancy,
        personOf: (tx, userId) => identity.findUserById(tx, userId),
        organizationOf: (tx, orgId) => identity.getOrganization(tx, orgId),
        publicUrl: config.PUBLIC_URL,
      }),
    },
    sendMail: (mail) => mailer.send(mail),
    logger: logger.child({ component: 'notifications' }),
  });
  const reports = createReportsService({
    tenancy,
    storage,
    jobs: { enqueue: (definition, payload, options) => jobs.enqueue(definition, payload, options) },
    events,
    audit,
    organizationOf: (tx, orgId) => identity.getOrganization(tx, orgId),
    membersOf: (tx, orgId) => identity.listMembers(tx, orgId),
    namesOf: (tx, ids) => identity.userNames(tx, ids),
    retentionDays: config.REPORTS_RETENTION_DAYS,
    linkTtlSeconds: config.REPORTS_LINK_TTL_MINUTES * 60,
    logger: logger.child({ component: 'reports' }),
  });
  const digests = createDigests({
    tenancy,
    jobs: { enqueue: (definition, payload, options) => jobs.enqueue(definition, payload, options) },
    sendMail: (mail) => mailer.send(mail),
    personOf: (tx, userId) => identity.findUserById(tx, userId),
    setTimeZone: (tx, userId, timeZone) => identity.setTimeZone(tx, userId, timeZone),
    publicUrl: config.PUBLIC_URL,
    logger: logger.child({ component: 'digests' }),
  });
  const streaming = config.AMQP_URL
    ? createAmqpPublisher({
        url: config.AMQP_URL,
        exchange: config.AMQP_EXCHANGE,
        logger: logger.child({ component: 'streaming' }),
      })
    : undefined;
  const jobList: TRegisteredJob[] = [
    ...identityJobs({ tenancy, audit, events, graceDays: config.ORG_DELETION_GRACE_DAYS }),
    ...auditJobs({ tenancy }),
    ...retentionJobs({ tenancy, retentionDays: config.JOBS_RETENTION_DAYS }),
    ...webhookJobs({
      webhooks,
      deliverJob: deliverWebhook,
      tenancy,
      retentionDays: config.WEBHOOK_LOG_RETENTION_DAYS,
    }),
    ...notificationJobs(notifications, digests),
    ...reportJobs(reports),
    ...(streaming ? streamingJobs(streaming) : []),
  ];
  /**
   * Who reacts to which domain event, as which job: each module's subscribers join here. Events
   * nobody subscribes to are delivered at once and kept in the outbox until the clean-up.
   */
  const subscriberList: TSubscriber[] = [
    ...webhookSubscribers,
    ...notificationSubscribers,
    ...reportSubscribers,
    ...(streaming ? streamingSubscribers : []),
  ];
  const jobRegistry = createJobRegistry(
    [...jobList, ...extraJobs],
    scheduleList.map((schedule) => schedule.job),
  );
  const jobMetrics = createJobMetrics({
    counts: () => jobs.stats(15, { countsOnly: true }),
    deadLetterCount: () => tenancy.withMaintenance(countDeadLetters),
    outboxLagSeconds: () => tenancy.withMaintenance(outboxLagSeconds),
    logger,
  });
  // After every attempt: metrics, and the outbox row learns its event's job settled (in the
  // job's own transaction on the inline driver).
  const webhookSettled = onWebhookJobSettled(webhooks);
  const reportSettled = onReportJobSettled(reports);
  const onSettled = async (settled: TJobSettled, tx?: Tx) => {
    jobMetrics.observe(settled);
    if (settled.outcome === 'retrying' || settled.dedupKey === null) return;
    const record = async (own: Tx) => {
      await acknowledgeDelivery(own, settled);
      await webhookSettled(settled, own);
      await reportSettled(settled, own);
    };
    await (tx ? record(tx) : tenancy.withMaintenance(record));
  };
  // Rows in the database by default; BullMQ once Redis is configured. Dead letters go to the
  // database either way, where the operations API reads them.
  const jobs: JobQueue = config.REDIS_URL
    ? createBullmqQueue({
        redisUrl: config.REDIS_URL,
        prefix: config.JOBS_REDIS_PREFIX,
        registry: jobRegistry,
        logger,
        concurrency: config.JOBS_CONCURRENCY,
        stalledIntervalMs: config.JOBS_STALLED_INTERVAL_MS,
        graceMs: config.SHUTDOWN_TIMEOUT_MS,
        onSettled,
        onDeadLetter: ({ id, ...letter }) =>
          tenancy.withMaintenance(async (tx) => {
            await recordDeadLetter(tx, { jobId: id, ...letter, history: [] });
          }),
      })
    : createInlineQueue({
        tenancy,
        registry: jobRegistry,
        logger: logger.child({ component: 'jobs' }),
        concurrency: config.JOBS_CONCURRENCY,
        pollMs: config.JOBS_POLL_MS,
        leaseMs: config.JOBS_LEASE_MS,
        graceMs: config.SHUTDOWN_TIMEOUT_MS,
        onSettled,
        // PostgreSQL wakes workers of every process at once; PGlite is one process, woken in it.
        ...(database.kind === 'postgres' ? { listen: database.listen } : {}),
      });
  const deadLetters = createDeadLettersService({ tenancy, audit, jobs, registry: jobRegistry });
  const dispatcher = createOutboxDispatcher({
    tenancy,
    jobs,
    subscribers: subscriberList,
    logger: logger.child({ component: 'outbox' }),
    pollMs: config.JOBS_POLL_MS,
    leaseMs: config.JOBS_LEASE_MS,
    reconcileAfterMs: config.JOBS_RECONCILE_MS,
    ...(database.kind === 'postgres' ? { listen: database.listen } : {}),
  });
  return {
    webhooks,
    notifications,
    digests,
    reports,
    storage,
    fileSigner,
    closeOutbound: async () => {
      await safeFetch.close();
      await streaming?.close();
    },
    dispatcher,
    schedules: scheduleList,
    jobMetrics,
    jobRegistry,
    jobs,
    deadLetters,
    database,
    tenancy,
    identity,
    roles,
    settings,
    apiKeys,
    audit,
    mailer,
    auth,
    authenticate,
    impersonations,
    keyring,
    keyRotation,
  };
}

/** An id, or an email address within the organization. */
const refBy = (organizationId: string, idOrEmail: string) =>
  idOrEmail.includes('@') ? { organizationId, email: idOrEmail } : { id: idOrEmail };

/**
 * Every route plugin, in one explicit list. Operational routes run in every process; the API's
 * own routes only with the `api` role.
 */
export function routeList(deps: {
  config: TConfig;
  readiness: () => Promise<TReadiness>;
  metrics: Metrics;
  services: Pick<
    Services,
    | 'auth'
    | 'audit'
    | 'tenancy'
    | 'identity'
    | 'roles'
    | 'settings'
    | 'mailer'
    | 'apiKeys'
    | 'impersonations'
    | 'deadLetters'
    | 'authenticate'
    | 'jobs'
    | 'jobRegistry'
    | 'webhooks'
    | 'notifications'
    | 'digests'
    | 'reports'
    | 'storage'
    | 'fileSigner'
  >;
}): FastifyPluginAsync[] {
  const { config, readiness, metrics, services } = deps;
  const routes: FastifyPluginAsync[] = [
    opsRoutes({ readiness, metrics, metricsToken: config.METRICS_TOKEN }),
  ];
  if (config.CB_ROLES.includes('api')) {
    routes.push(systemRoutes({ version }));
    routes.push(
      authRoutes({
        auth: services.auth,
        config,
        impersonationOf: async (sessionId) => {
          const running = await services.impersonations.activeForSession(sessionId);
          return running ? sessionImpersonationOf(running) : undefined;
        },
        scope: {
          organizationSlug: async (orgId) =>
            (
              await services.tenancy.withTenant(orgId, (tx) =>
                services.identity.getOrganization(tx, orgId),
              )
            ).slug,
          member: (orgId, idOrEmail) =>
            services.tenancy.withPlatform((tx) =>
              services.identity.findMembershipRef(tx, refBy(orgId, idOrEmail)),
            ),
          invitation: (orgId, idOrEmail) =>
            services.tenancy.withPlatform((tx) =>
              services.identity.findInvitationRef(tx, refBy(orgId, idOrEmail)),
            ),
          assertWithinReach: (orgId, permissions, role, doing) =>
            services.tenancy.withPlatform((tx) =>
              services.roles.assertWithinReach(tx, orgId, permissions, role, doing),
            ),
        },
      }),
      organizationRoutes({
        identity: services.identity,
        tenancy: services.tenancy,
      }),
      roleRoutes({ roles: services.roles, tenancy: services.tenancy }),
      settingsRoutes({ settings: services.settings, tenancy: services.tenancy }),
      apiKeyRoutes({ apiKeys: services.apiKeys, tenancy: services.tenancy }),
      auditRoutes({ audit: services.audit, tenancy: services.tenancy }),
      impersonationRoutes({
        impersonations: services.impersonations,
        cookies: createImpersonationCookies(services.auth),
        authenticate: services.authenticate,
        config,
      }),
      deadLetterRoutes({ deadLetters: services.deadLetters }),
      webhookRoutes({ webhooks: services.webhooks }),
      notificationRoutes({ notifications: services.notifications, digests: services.digests }),
      reportRoutes({ reports: services.reports }),
      fileRoutes({ storage: services.storage, signer: services.fileSigner }),
      queueRoutes({ jobs: services.jobs, driver: config.REDIS_URL ? 'bullmq' : 'inline' }),
    );
    if (config.REDIS_URL) {
      routes.push(
        queueBoardRoutes({
          redisUrl: config.REDIS_URL,
          prefix: config.JOBS_REDIS_PREFIX,
          queues: services.jobRegistry.queues(),
          audit: services.audit,
          tenancy: services.tenancy,
        }),
      );
    }
  }
  return routes;
}

/**
 * The OpenAPI document of the API role, built from the route schemas without a database. It is
 * committed as openapi.json (`npm run openapi:write`) and a test fails when the two drift.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({ CB_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'corebase-openapi-')) });
  const metrics = createMetrics();
  const logger = pino({ level: 'silent' });
  // Services over an empty in-memory database: routes need them, the document never calls them.
  const database = await createDatabase({ pglite: new PGlite() });
  const services = createServices(database, config, logger);
  const unused = () => Promise.reject(new Error('not available while generating the document'));
  const app = await buildApp({
    config,
    logger,
    metrics,
    routes: routeList({ config, readiness: unused, metrics, services }),
    openApiExtra: await authOpenApi(services.auth),
    version,
  });
  await app.ready();
  const document = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  services.mailer.close();
  await database.close();
  rmSync(config.CB_DATA_DIR, { recursive: true, force: true });
  return document;
}

export type OpenedDatabase = { database: Database; close(): Promise<void> };

/**
 * The configured database: PostgreSQL with DATABASE_URL, else PGlite under CB_DATA_DIR/pg behind
 * the data-directory lock (one process at a time, or the files are corrupted for good).
 */
export async function openDatabase(
  config: TConfig,
  logger: Logger,
  purpose: string,
): Promise<OpenedDatabase> {
  let lock: DataDirLock | undefined;
  if (config.database === 'pglite') lock = acquireDataDirLock(config.CB_DATA_DIR, purpose);
  try {
    const database = await createDatabase({
      url: config.DATABASE_URL,
      pgliteDir: path.join(config.CB_DATA_DIR, 'pg'),
      poolMax: config.DATABASE_POOL_MAX,
      connectAttempts: config.DATABASE_CONNECT_ATTEMPTS,
      guardRootInTransaction: config.NODE_ENV !== 'production',
      logger,
    });
    return {
      database,
      close: async () => {
        await database.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

export type RunningServer = {
  app: App;
  url: string;
  /** What the demo seed did at this start, when it ran. */
  seeded: TSeedResult | undefined;
  close(): Promise<void>;
};

/** Opens everything the configured roles need, migrates, seeds, and listens. */
export async function startServer(config: TConfig, logger: Logger): Promise<RunningServer> {
  const opened = await openDatabase(config, logger, 'server');
  const cleanups: (() => Promise<unknown>)[] = [() => opened.close()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) =>
        logger.error({ err: error }, 'error while closing'),
      );
    }
  };
  try {
    const { database } = opened;
    const migrations = readMigrations();
    const result = await migrate(database);
    if (result.applied.length > 0) logger.info({ applied: result.applied }, 'migrations applied');
    let redis: Redis | undefined;
    if (config.REDIS_URL) {
      redis = new Redis(config.REDIS_URL, { connectTimeout: 2_000, maxRetriesPerRequest: 1 });
      redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
      const client = redis;
      cleanups.push(() => client.quit());
    }

    if (config.encryptionKeySource.kind === 'auth-secret') {
      logger.warn(
        'ENCRYPTION_KEYS is not set: secrets at rest use a key derived from AUTH_SECRET, so AUTH_SECRET cannot change without losing them. Set ENCRYPTION_KEYS (npm run rotate-keys -- --generate; docs/security.md, "Secrets at rest and key rotation").',
      );
    }
    const services = createServices(database, config, logger, redis);
    cleanups.push(async () => services.mailer.close());
    let seeded: TSeedResult | undefined;
    if (config.CB_DEMO_SEED) {
      seeded = await seedDemo(services);
      if (seeded.created) logger.info('demo organization seeded');
    }

    let web: WebApp | undefined;
    if (config.CB_ROLES.includes('web')) {
      web = await createWebApp(config.CB_WEB_DIR ?? defaultWebDir());
      const webApp = web;
      cleanups.push(() => webApp.close());
    }

    // Closed before the database (cleanups run in reverse): running jobs finish first, then
    // their outbound connections close.
    cleanups.push(() => services.closeOutbound());
    cleanups.push(() => services.jobs.stop());
    if (config.CB_ROLES.includes('worker')) {
      await services.jobs.start();
      await services.dispatcher.start();
      cleanups.push(() => services.dispatcher.stop());
    }
    if (config.CB_ROLES.includes('scheduler')) await services.jobs.schedule(services.schedules);

    const readiness = createReadiness({ database, migrations, redis });
    const metrics = createMetrics();
    services.jobMetrics.register(metrics.registry);
    const routes = routeList({ config, readiness, metrics, services });

    const app = await buildApp({
      config,
      logger,
      metrics,
      redis,
      routes,
      openApiExtra: await authOpenApi(services.auth),
      authenticate: services.authenticate,
      web: web?.handle,
      version,
    });
    cleanups.push(() => app.close());
    await app.listen({ port: config.PORT, host: config.HOST });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = config.PORT === 0 ? `http://localhost:${port}` : config.PUBLIC_URL;
    return { app, url, seeded, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

import type { createInlineQueue } from '#server/platform/jobs/inline-driver';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig, type TConfig } from '#server/config';
import { readMigrations } from '#server/platform/db/migrate';
import { buildApp, type App } from '#server/platform/http/app';
import type { TRegisteredJob } from '#server/platform/jobs/jobs';
import { createMetrics } from '#server/platform/metrics';
import { createReadiness } from '#server/platform/readiness';
import { authOpenApi } from '#server/modules/auth/auth.routes';
import { createServices, routeList, type Services } from '#server/server';
import { openTestDatabase, type TBackendName, type TTestDatabase } from '#test/databases';

export type TTestApp = {
  app: App;
  config: TConfig;
  services: Services;
  db: TTestDatabase;
  close(): Promise<void>;
};

/**
 * The real request pipeline (buildApp with the production route list) on a private database,
 * driven with app.inject(). `extraRoutes` lets a test add a route to exercise the pipeline.
 */
export async function createTestApp(
  backend: TBackendName,
  options: {
    env?: Record<string, string>;
    redis?: Redis;
    extraRoutes?: FastifyPluginAsync[];
    /** Jobs registered beside the server's own. */
    jobs?: TRegisteredJob[];
    /**
     * Another app's database and data directory (generated secrets, key file), as a restart
     * would find them. Their owner closes them; this app's close leaves them.
     */
    restartOf?: TTestApp;
  } = {},
): Promise<TTestApp> {
  const reused = options.restartOf;
  const dataDir = reused?.config.CB_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'corebase-app-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    CB_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const db = reused?.db ?? (await openTestDatabase(backend));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const services = createServices(db.database, config, logger, options.redis, options.jobs);
  const metrics = createMetrics();
  services.jobMetrics.register(metrics.registry);
  const app = await buildApp({
    config,
    logger,
    metrics,
    redis: options.redis,
    routes: [
      ...routeList({
        config,
        readiness: createReadiness({
          database: db.database,
          migrations: readMigrations(),
          redis: options.redis,
        }),
        metrics,
        services,
      }),
      ...(options.extraRoutes ?? []),
    ],
    version: '0.0.0-test',
    authenticate: services.authenticate,
    openApiExtra: await authOpenApi(services.auth),
  });
  await app.ready();
  return {
    app,
    config,
    services,
    db,
    close: async () => {
      await app.close();
      await services.jobs.stop();
      await services.closeOutbound();
      services.mailer.close();
      if (reused) return;
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * What the worker role does, until nothing is left: dispatch outbox events and run the jobs
 * (the inline driver's).
 */
export async function runWork(t: TTestApp): Promise<void> {
  const queue = t.services.jobs as ReturnType<typeof createInlineQueue>;
  while ((await t.services.dispatcher.drain()) + (await queue.drain()) > 0);
}

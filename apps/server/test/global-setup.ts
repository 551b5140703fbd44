import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '#server/platform/db/database';
import { migrate } from '#server/platform/db/migrate';
import {
  adminQuery,
  isCi,
  testServerUrls,
  unavailableMessage,
  withDatabaseName,
} from '#test/services';

/**
 * Migrates once, then every test file starts from a copy: a PGlite data-directory dump (a fresh
 * PGlite + migrations costs seconds) and a PostgreSQL template database (CREATE DATABASE …
 * TEMPLATE is a file copy).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'corebase-test-'));

  const pglite = new PGlite();
  const embedded = await createDatabase({ pglite });
  await migrate(embedded);
  const dump = await pglite.dumpDataDir('none');
  const templateFile = path.join(workDir, 'pglite-template.tar');
  writeFileSync(templateFile, Buffer.from(await dump.arrayBuffer()));
  await embedded.close();
  project.provide('pgliteTemplate', templateFile);

  let postgresTemplate: string | null = null;
  try {
    await adminQuery('select 1');
    postgresTemplate = `cb_tpl_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${postgresTemplate}`);
    const database = await createDatabase({
      url: withDatabaseName(testServerUrls.postgres, postgresTemplate),
      connectAttempts: 1,
      poolMax: 2,
    });
    await migrate(database);
    await database.close();
  } catch (error) {
    const message = unavailableMessage('PostgreSQL', testServerUrls.postgres, error);
    if (isCi) throw new Error(`${message} CI=true: PostgreSQL tests must run.`, { cause: error });
    warnLoudly(`${message} PostgreSQL tests are SKIPPED; set DATABASE_URL_TEST.`);
    postgresTemplate = null;
  }
  project.provide('postgresTemplate', postgresTemplate);

  let redisUrl: string | null = testServerUrls.redis;
  const redis = new Redis(testServerUrls.redis, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const message = unavailableMessage('Redis', testServerUrls.redis, error);
    if (isCi) throw new Error(`${message} CI=true: Redis tests must run.`, { cause: error });
    warnLoudly(`${message} Redis tests are SKIPPED; set REDIS_URL_TEST.`);
    redisUrl = null;
  } finally {
    redis.disconnect();
  }
  project.provide('redisUrl', redisUrl);

  return async () => {
    if (postgresTemplate) {
      await adminQuery(`drop database if exists ${postgresTemplate} with (force)`);
    }
    rmSync(workDir, { recursive: true, force: true });
  };
}

function warnLoudly(message: string): void {
  const bar = '!'.repeat(Math.min(message.length, 100));
  console.warn(`\n${bar}\n${message}\n${bar}\n`);
}

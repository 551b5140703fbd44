import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '#server/config';
import { migrate } from '#server/platform/db/migrate';
import { createLogger } from '#server/platform/logger';
import { demo, seedDemo } from '#server/seed';
import { buildOpenApiDocument, createServices, openDatabase } from '#server/server';

const usage = `Usage: corebase <command>

  migrate   apply pending database migrations
  seed      add the demo organization (does nothing if it exists)
  reset     DELETE all data, then migrate and seed (asks no questions: development only)
  openapi   print the OpenAPI document (npm run openapi:write saves it as openapi.json)
  superadmin <email>
            make an existing user a platform superadmin (audited)
`;

// npm runs workspace scripts inside apps/server; paths like CB_DATA_DIR=./data and the .env file
// are meant relative to where the user typed the command (the repository root for `npm run db:*`).
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

async function run(command: string | undefined): Promise<number> {
  if (command === undefined) {
    console.log(usage);
    return 0;
  }
  if (command === 'openapi') {
    process.stdout.write(`${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`);
    return 0;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env, { isTty: process.stdout.isTTY });
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });

  switch (command) {
    case 'migrate': {
      const opened = await openDatabase(config, logger, 'npm run db:migrate');
      try {
        const result = await migrate(opened.database);
        console.log(
          result.applied.length
            ? `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
            : `Up to date (${result.total} migrations).`,
        );
      } finally {
        await opened.close();
      }
      return 0;
    }
    case 'seed': {
      const opened = await openDatabase(config, logger, 'npm run db:seed');
      try {
        await migrate(opened.database);
        const services = createServices(opened.database, config, logger);
        const result = await seedDemo(services);
        console.log(result.created ? 'Demo organization created.' : 'Demo data already present.');
        if (result.password) {
          console.log(`Demo login (shown once): ${demo.user.email} / ${result.password}`);
        }
      } finally {
        await opened.close();
      }
      return 0;
    }
    case 'reset': {
      if (config.NODE_ENV === 'production') {
        console.error('Refusing to reset a database with NODE_ENV=production.');
        return 1;
      }
      if (config.database === 'pglite') {
        // Take the lock before deleting, so a running server's files are never pulled away.
        const opened = await openDatabase(config, logger, 'npm run db:reset');
        await opened.database.close();
        rmSync(path.join(config.CB_DATA_DIR, 'pg'), { recursive: true, force: true });
        await opened.close();
      } else {
        const opened = await openDatabase(config, logger, 'npm run db:reset');
        await opened.database.transaction(async (tx) => {
          await tx.execute(sql`drop schema if exists public cascade`);
          await tx.execute(sql`drop schema if exists drizzle cascade`);
          await tx.execute(sql`create schema public`);
        });
        await opened.close();
      }
      console.log('Database emptied.');
      return run('seed');
    }
    case 'superadmin': {
      const email = process.argv[3];
      if (!email) {
        console.error('Usage: npm run superadmin -- <email>');
        return 1;
      }
      const opened = await openDatabase(config, logger, 'npm run superadmin');
      try {
        await migrate(opened.database);
        const { identity, tenancy, audit } = createServices(opened.database, config, logger);
        const done = await tenancy.withPlatform(async (tx) => {
          const user = await identity.findUserByEmail(tx, email);
          if (!user) return false;
          await identity.makeSuperadmin(tx, user.id);
          await audit.record(tx, {
            orgId: null,
            actor: { type: 'system' },
            action: 'platform.superadmin_granted',
            target: { type: 'user', id: user.id },
            after: { email: user.email, via: 'cli' },
          });
          return true;
        });
        console.log(
          done ? `${email} is now a platform superadmin.` : `No user with email ${email}.`,
        );
        return done ? 0 : 1;
      } finally {
        await opened.close();
      }
    }
    default:
      console.log(usage);
      return command === 'help' ? 0 : 1;
  }
}

try {
  process.exitCode = await run(process.argv[2]);
} catch (error) {
  console.error(
    error instanceof ConfigError ? error.message : `Failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}

import { eventCatalogue } from '@corebase/contracts';
import { renderEventCatalogue } from '#server/platform/outbox/catalogue';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig, type TConfig } from '#server/config';
import {
  deriveKeyEntry,
  formatKeyEntries,
  generateKeyEntry,
} from '#server/platform/crypto/keyring';
import { migrate } from '#server/platform/db/migrate';
import { createLogger } from '#server/platform/logger';
import { rotateKeys, type TRotationOutcome } from '#server/rotate-keys';
import { demo, seedDemo } from '#server/seed';
import { buildOpenApiDocument, createServices, openDatabase } from '#server/server';

const usage = `Usage: corebase <command>

  migrate   apply pending database migrations
  seed      add the demo organization (does nothing if it exists)
  reset     DELETE all data, then migrate and seed (asks no questions: development only)
  openapi   print the OpenAPI document (npm run openapi:write saves it as openapi.json)
  events    print the event catalogue (npm run events:write saves it as docs/events.md)
  superadmin <email>
            make an existing user a platform superadmin (audited)
  rotate-keys [--generate]
            rotate the keys of secrets at rest (audited; docs/security.md has the runbook):
            with the generated key file, adds a key, re-encrypts, retires the old ones;
            with ENCRYPTION_KEYS, re-encrypts under its first key and lists the removable ones.
            --generate prints a new key entry for ENCRYPTION_KEYS and changes nothing
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
  if (command === 'events') {
    process.stdout.write(renderEventCatalogue(eventCatalogue));
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
    case 'rotate-keys': {
      const flags = process.argv.slice(3);
      if (flags.some((flag) => flag !== '--generate')) {
        console.error('Usage: npm run rotate-keys [-- --generate]');
        return 1;
      }
      if (flags.includes('--generate')) return printNewKey(config);
      const opened = await openDatabase(config, logger, 'npm run rotate-keys');
      try {
        await migrate(opened.database);
        const outcome = await rotateKeys({ config, database: opened.database, logger });
        printRotation(outcome);
        return outcome.complete ? 0 : 1;
      } finally {
        await opened.close();
      }
    }
    default:
      console.log(usage);
      return command === 'help' ? 0 : 1;
  }
}

/** `rotate-keys --generate`: what to put in ENCRYPTION_KEYS, on every process, before rotating. */
function printNewKey(config: TConfig): number {
  const source = config.encryptionKeySource;
  if (source.kind === 'file') {
    console.log(
      `Keys are in the generated key file ${source.file}: run \`npm run rotate-keys\` (server stopped), it adds the new key itself.`,
    );
    return 0;
  }
  const entry = generateKeyEntry(config.ENCRYPTION_KEYS);
  console.log(`New key (id ${entry.id}):\n\n  ${formatKeyEntries([entry])}\n`);
  if (source.kind === 'auth-secret') {
    // The key in use is derived from AUTH_SECRET: it must stay, after the new one, until rotated.
    const derived = formatKeyEntries([deriveKeyEntry(config.AUTH_SECRET)]);
    console.log(
      `Set on every process (today's key 0 is derived from AUTH_SECRET):\n\n  ENCRYPTION_KEYS=${formatKeyEntries([entry])},${derived}\n`,
    );
  } else {
    console.log(
      `Put it first in ENCRYPTION_KEYS on every process, keeping the current keys after it:\n\n  ENCRYPTION_KEYS=${formatKeyEntries([entry])},<current value>\n`,
    );
  }
  console.log('Once every process runs with it, run `npm run rotate-keys` to re-encrypt.');
  return 0;
}

function printRotation(outcome: TRotationOutcome): void {
  const counts = Object.entries(outcome.reencrypted)
    .map(([column, count]) => `${column}: ${count}`)
    .join(', ');
  if (outcome.addedKeyId !== undefined) console.log(`Added key ${outcome.addedKeyId} as current.`);
  console.log(
    `Re-encrypted under key ${outcome.currentKeyId}: ${counts || 'no encrypted columns'}.`,
  );
  for (const failure of outcome.failures.slice(0, 20)) {
    console.error(`  could not re-encrypt ${failure.column} row ${failure.id}: ${failure.message}`);
  }
  if (outcome.failures.length > 20) console.error(`  ... and ${outcome.failures.length - 20} more`);
  const left = Object.entries(outcome.stillReferenced);
  if (left.length > 0) {
    console.error(
      `Still referenced besides key ${outcome.currentKeyId}: ${left.map(([ref, count]) => `${ref} (${count})`).join(', ')}.`,
    );
  }
  if (outcome.retiredKeyIds.length > 0) {
    console.log(`Retired key(s) ${outcome.retiredKeyIds.join(', ')}: removed from the key file.`);
  }
  if (outcome.source !== 'file') {
    console.log(
      outcome.removableKeyIds.length > 0
        ? `Unused now: key(s) ${outcome.removableKeyIds.join(', ')}; remove them from ENCRYPTION_KEYS on every process.`
        : 'No other key to remove from ENCRYPTION_KEYS.',
    );
  }
  if (!outcome.complete) {
    console.error(
      outcome.source === 'file'
        ? 'Old keys kept in the key file: fix what is listed above and run `npm run rotate-keys` again.'
        : 'Keep every key still referenced: fix what is listed above (or wait for every process to run with the new key) and run `npm run rotate-keys` again.',
    );
  } else {
    console.log('Done: every secret is under the current key.');
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

import { existsSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from '#server/config';
import { DataDirLockedError } from '#server/platform/data-dir-lock';
import { DatabaseUnavailableError } from '#server/platform/db/database';
import { WebNotBuiltError } from '#server/platform/http/web';
import { createLogger } from '#server/platform/logger';
import { startServer } from '#server/server';
import { demo } from '#server/seed';

// A .env file in the working directory is read once, here; nothing reads process.env later.
try {
  if (existsSync('.env')) process.loadEnvFile('.env');
} catch (error) {
  console.error(`Could not read .env: ${(error as Error).message}. Fix or remove the file.`);
  process.exit(1);
}

let config;
try {
  config = loadConfig(process.env, { isTty: process.stdout.isTTY });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`${error.message}\n\nSee .env.example for every key and its meaning.`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const startedAt = performance.now();

try {
  const server = await startServer(config, logger);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const lines = [
    '',
    `  Corebase is running at ${server.url}  (roles: ${config.CB_ROLES.join(', ')}; database: ${config.database}; ready in ${seconds} s)`,
    `  API docs:  ${server.url}/docs      health: ${server.url}/health/ready`,
    ...(server.seeded?.password
      ? [
          `  Demo login (shown once): ${demo.user.email} / ${server.seeded.password}`,
          `    sign in: POST ${server.url}/v1/auth/sign-in/email {"email","password"}; owner of "${demo.organization.name}"`,
        ]
      : server.seeded
        ? [
            `  Demo organization "${demo.organization.name}", owner ${demo.user.email} (password shown at its first start).`,
          ]
        : []),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an uncaught error');
    else logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await server.close();
    logger.info('stopped');
  });
} catch (error) {
  // Failures a user can fix get their message alone; anything else the full log entry.
  if (
    error instanceof DataDirLockedError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof WebNotBuiltError
  ) {
    console.error(`Corebase could not start: ${error.message}`);
  } else {
    logger.fatal({ err: error }, (error as Error).message);
  }
  // pino writes asynchronously with a transport: let it flush before leaving.
  setTimeout(() => process.exit(1), 100);
}

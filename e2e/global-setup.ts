import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { idpId, idpName, startE2eIdp } from './oidc-idp';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const serverEntry = path.join(repoRoot, 'apps/server/dist/main.js');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_CHARS = 8_000;

/** Asks the OS for a free port. Racy in theory, but the server binds it right away. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the probe port'));
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `The server exited (${child.exitCode ?? child.signalCode}) before it was ready.\n${output()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(
    `The server was not ready within ${READY_TIMEOUT_MS / 1000} s (${lastProblem}).\n${output()}`,
  );
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts a local OpenID Connect provider, then the built server on a free port with a
 * throw-away data directory and that provider configured, waits for readiness, and returns the
 * teardown. Tests reach the server through `E2E_BASE_URL`, and its mail (written as .eml
 * files) through `E2E_DATA_DIR`.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(serverEntry)) {
    throw new Error(
      `${path.relative(repoRoot, serverEntry)} is missing: run npm run build first (it builds the server and the web app).`,
    );
  }

  const port = await findFreePort();
  const baseURL = `http://127.0.0.1:${port}`;
  // Before the server: it reads the provider's discovery document at start, and leaves out a
  // provider it could not reach.
  const idp = await startE2eIdp({ redirectUri: `${baseURL}/v1/auth/callback/${idpId}` });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'corebase-e2e-'));
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };

  const child = spawn(process.execPath, [serverEntry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The browser's origin must be the public one: sign-in checks the Origin header against it.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      CB_DATA_DIR: dataDir,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '100000',
      // Every journey signs up or in a few times from one address; keep them under the limit.
      RATE_LIMIT_AUTH_MAX: '100000',
      NEXT_TELEMETRY_DISABLED: '1',
      // The webhooks journey's receiver listens on loopback, which webhooks refuse by default;
      // short retries let it see an attempt fail and the next one succeed within the test.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms',
      OIDC_PROVIDERS: JSON.stringify([
        {
          id: idpId,
          name: idpName,
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
        },
      ]),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', (chunk: Buffer) => {
    keepTail(chunk);
    process.stderr.write(chunk);
  });

  try {
    await waitUntilReady(`${baseURL}/health/ready`, child, () => output);
  } catch (error) {
    await stopServer(child);
    await idp.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  process.env.E2E_BASE_URL = baseURL;
  // The OpenID Connect journeys check they really went through the provider's own pages.
  process.env.E2E_IDP_ISSUER = idp.issuer;
  // Without SMTP_URL the server writes every message as an .eml file under <data dir>/mail.
  process.env.E2E_DATA_DIR = dataDir;
  // The first start prints the demo login once; the sign-in journey uses it.
  const login = /Demo login \(shown once\): (\S+) \/ (\S+)/.exec(output);
  if (login?.[1] && login[2]) {
    process.env.E2E_DEMO_EMAIL = login[1];
    process.env.E2E_DEMO_PASSWORD = login[2];
  }

  return async () => {
    await stopServer(child);
    await idp.close();
    await rm(dataDir, { recursive: true, force: true });
  };
}

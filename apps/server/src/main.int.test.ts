import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createEmptyOrTemplatedDatabase, dropTestDatabase } from '#test/databases';
import { testServerUrls, withDatabaseName } from '#test/services';
import { spawnEntry, type TSpawned } from '#test/process';

const running: TSpawned[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'corebase-main-'));
  dirs.push(dir);
  return dir;
}

function start(env: Record<string, string>, entry: 'main' | 'cli' = 'main', args: string[] = []) {
  const spawned = spawnEntry(entry, env, args);
  running.push(spawned);
  return spawned;
}

// Each test starts real server processes (PGlite in WASM): on a busy two-core CI machine that takes
// well over the default 30 s budget.
describe('the server process', { timeout: 120_000 }, () => {
  it('reports every bad configuration key in one message and exits non-zero', async () => {
    const server = start({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://localhost/x',
      CB_DATA_DIR: dataDir(),
    });
    expect(await server.exited).toBe(1);
    const output = server.output();
    expect(output).toContain('Invalid configuration');
    for (const key of ['PORT', 'LOG_LEVEL', 'DATABASE_URL'])
      expect(output).toMatch(new RegExp(`- ${key}:`));
    expect(output).toContain('.env.example');
  });

  it('retries an unreachable database with backoff, then exits with a clear message', async () => {
    const server = start({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:9/unreachable',
      AUTH_SECRET: 'x'.repeat(40),
      DATABASE_CONNECT_ATTEMPTS: '2',
      CB_DATA_DIR: dataDir(),
    });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('database not reachable yet; retrying');
    expect(server.output()).toContain(
      'Could not reach PostgreSQL at postgres://postgres@127.0.0.1:9/unreachable after 2 attempts',
    );
  });

  it('on PGlite, refuses a second process on the same data directory, then shuts down gracefully on SIGTERM', async () => {
    const dir = dataDir();
    const first = start({ CB_DATA_DIR: dir, PORT: '0' });
    const url = await first.ready();
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(existsSync(path.join(dir, 'corebase.lock'))).toBe(true);

    // The demo login printed once at the first start works.
    const [, email, password] =
      /Demo login \(shown once\): (\S+) \/ (\S+)/.exec(first.output()) ?? [];
    const signIn = await fetch(`${url}/v1/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ email, password }),
    });
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('set-cookie')).toMatch(/session_token=/);

    const second = start({ CB_DATA_DIR: dir, PORT: '0' });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/is in use by process \d+ \("server"/);

    const migrate = start({ CB_DATA_DIR: dir }, 'cli', ['migrate']);
    expect(await migrate.exited).toBe(1);
    expect(migrate.output()).toContain('is in use by process');

    // A JSON POST to a web path reaches Next.js with its body intact instead of hanging.
    const webPost = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'next' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(webPost.status).toBeLessThan(500);
    expect(webPost.headers.get('x-request-id')).toBeTruthy();

    // The refused processes changed nothing: the first still serves, from the same files.
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('shutting down');
    expect(existsSync(path.join(dir, 'corebase.lock'))).toBe(false);
  });

  it('takes over a lock left by a process that died', async () => {
    const dir = dataDir();
    const crashed = start({ CB_DATA_DIR: dir, PORT: '0' });
    await crashed.ready();
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(existsSync(path.join(dir, 'corebase.lock'))).toBe(true);

    const next = start({ CB_DATA_DIR: dir, PORT: '0' });
    const url = await next.ready();
    // The demo seed from the first run survived the crash: nothing saved is lost.
    const meta = await fetch(`${url}/health/ready`);
    expect(meta.status).toBe(200);
    expect(next.output()).not.toContain('demo organization seeded');
  });

  it('refuses CB_ROLES other than all on PGlite', async () => {
    const server = start({ CB_DATA_DIR: dataDir(), CB_ROLES: 'api' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('PGlite');
  });

  it.runIf(inject('postgresTemplate') && inject('redisUrl'))(
    'on PostgreSQL and Redis, runs the api role alone, migrating an empty database at start',
    async () => {
      const name = await createEmptyOrTemplatedDatabase(null);
      try {
        const server = start({
          DATABASE_URL: withDatabaseName(testServerUrls.postgres, name),
          REDIS_URL: inject('redisUrl')!,
          AUTH_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
          CB_ROLES: 'api',
          CB_DATA_DIR: dataDir(),
          PORT: '0',
        });
        const url = await server.ready();
        const ready = await fetch(`${url}/health/ready`);
        expect(await ready.json()).toEqual({
          status: 'ok',
          checks: {
            database: { status: 'ok' },
            migrations: { status: 'ok' },
            redis: { status: 'ok' },
          },
        });
        expect(server.output()).toContain('migrations applied');
        // No web role in this process: a page path is a plain 404, not the web app.
        const page = await fetch(`${url}/status`);
        expect(page.status).toBe(404);
        expect(page.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      } finally {
        await dropTestDatabase(name);
      }
    },
  );

  // Nine processes, each starting tsx and PGlite: slow by nature, not by a fault.
  it(
    'db:migrate, db:seed and db:reset do what they say, idempotently',
    { timeout: 120_000 },
    async () => {
      const dir = dataDir();
      const cli = async (command: string) => {
        const run = start({ CB_DATA_DIR: dir }, 'cli', [command]);
        expect(await run.exited, run.output()).toBe(0);
        return run.output();
      };
      expect(await cli('migrate')).toMatch(/Applied (\d+) migration\(s\): 0000_roles, 0001_init/);
      expect(await cli('migrate')).toMatch(/Up to date \(\d+ migrations\)\./);
      const seeded = await cli('seed');
      expect(seeded).toContain('Demo organization created.');
      expect(seeded).toMatch(/Demo login \(shown once\): demo@corebase\.local \/ \S{16}/);
      expect(await cli('seed')).toContain('Demo data already present.');
      const reset = await cli('reset');
      expect(reset).toContain('Database emptied.');
      expect(reset).toContain('Demo organization created.');
      expect(existsSync(path.join(dir, 'corebase.lock'))).toBe(false);

      const granted = start({ CB_DATA_DIR: dir }, 'cli', ['superadmin', 'demo@corebase.local']);
      expect(await granted.exited).toBe(0);
      expect(granted.output()).toContain('demo@corebase.local is now a platform superadmin.');
      const nobody = start({ CB_DATA_DIR: dir }, 'cli', ['superadmin', 'nobody@example.com']);
      expect(await nobody.exited).toBe(1);
      expect(nobody.output()).toContain('No user with email nobody@example.com.');

      const unknown = start({ CB_DATA_DIR: dir }, 'cli', ['drop-everything']);
      expect(await unknown.exited).toBe(1);
      expect(unknown.output()).toContain('Usage: corebase <command>');
    },
  );
});

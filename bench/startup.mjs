#!/usr/bin/env node
// Start-up benchmark: time from `npm start` to the first 200 on /health/ready, for the first
// start of a fresh checkout (build outputs, Turborepo cache and ./data removed: it builds, creates
// the PGlite cluster, migrates and seeds) and for a restart (everything in place).
//
//   node bench/startup.mjs    run from the repository root, after `npm install`; it deletes ./data
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function timeStart(port, label) {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const deadline = started + 300_000;
  for (;;) {
    if (performance.now() > deadline) throw new Error(`${label}: not ready within 300 s`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  process.kill(-child.pid, 'SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return seconds;
}

for (const dir of ['apps/server/dist', 'apps/web/.next', '.turbo', 'data']) {
  rmSync(path.join(root, dir), { recursive: true, force: true });
}
const port = await freePort();
const first = await timeStart(port, 'first start');
const restart = await timeStart(port, 'restart');
console.log(
  JSON.stringify({ firstStartSeconds: +first.toFixed(1), restartSeconds: +restart.toFixed(1) }),
);

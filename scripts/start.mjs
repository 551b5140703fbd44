#!/usr/bin/env node
// `npm start`: build whatever is missing or stale (Turborepo replays its cache when nothing
// changed, so a restart costs a second or two), then run every role in one process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const turbo = path.join(
  root,
  'node_modules',
  '.bin',
  process.platform === 'win32' ? 'turbo.cmd' : 'turbo',
);

if (!existsSync(turbo)) {
  console.error('Dependencies are missing: run "npm install" first.');
  process.exit(1);
}

const build = spawnSync(
  turbo,
  [
    'run',
    'build',
    '--filter=@corebase/server',
    '--filter=@corebase/web',
    '--output-logs=errors-only',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } },
);
if (build.status !== 0) {
  console.error('The build failed; see the messages above.');
  process.exit(build.status ?? 1);
}

const server = spawn(
  process.execPath,
  ['--enable-source-maps', path.join(root, 'apps/server/dist/main.js')],
  {
    cwd: process.cwd(),
    stdio: 'inherit',
    env: { NODE_ENV: 'production', ...process.env },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.kill(signal));
}
server.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});

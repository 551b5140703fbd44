#!/usr/bin/env node
// HTTP baseline: autocannon against the built server (npm run build first) on PGlite, on a free
// loopback port, with the rate limit raised so it measures the server rather than the limiter.
//
//   node bench/http.mjs [--seconds 10] [--connections 50]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = await new Promise((resolve) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const dataDir = mkdtempSync(path.join(tmpdir(), 'corebase-bench-'));
const server = spawn(process.execPath, [path.join(root, 'apps/server/dist/main.js')], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    CB_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (i > 600) throw new Error('server not ready in 60 s');
  try {
    if ((await fetch(`${base}/health/ready`)).ok) break;
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const scenarios = [
  ['GET /health/live', '/health/live'],
  ['GET /v1/meta', '/v1/meta'],
  ['GET /health/ready (database round trip)', '/health/ready'],
  ['GET / (Next.js page)', '/'],
];
const rows = [];
for (const [name, url] of scenarios) {
  const result = await autocannon({
    url: `${base}${url}`,
    connections: Number(values.connections),
    duration: Number(values.seconds),
  });
  rows.push({
    scenario: name,
    'req/s (avg)': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p97.5 ms': result.latency.p97_5,
    'p99 ms': result.latency.p99,
    errors: result.errors + result.non2xx,
  });
}
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(dataDir, { recursive: true, force: true });
console.table(rows);
console.log(
  JSON.stringify({
    connections: Number(values.connections),
    seconds: Number(values.seconds),
    rows,
  }),
);

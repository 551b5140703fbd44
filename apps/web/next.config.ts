import { fileURLToPath } from 'node:url';

import type { NextConfig } from 'next';

// The web app lives two levels below the workspace root; hoisted packages (next, react) are
// there, so Turbopack and output tracing must look from the root, not from apps/web.
const monorepoRoot = fileURLToPath(new URL('../..', import.meta.url));

const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  {
    key: 'Permissions-Policy',
    value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()',
  },
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  transpilePackages: ['@corebase/contracts'],
  turbopack: { root: monorepoRoot },
  outputFileTracingRoot: monorepoRoot,
  headers() {
    return Promise.resolve([{ source: '/:path*', headers: securityHeaders }]);
  },
};

export default nextConfig;

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TWebHandler } from '#server/platform/http/app';

/** apps/web, found from this file in the sources (src/platform/http) or the bundle (dist). */
export function defaultWebDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../web'), path.resolve(here, '../../../../web')];
  return candidates.find((dir) => existsSync(path.join(dir, 'package.json'))) ?? candidates[0]!;
}

export class WebNotBuiltError extends Error {
  constructor(dir: string) {
    super(
      `The web app in ${dir} has not been built (no .next/BUILD_ID). Run "npm run build" (npm start does it for you).`,
    );
    this.name = 'WebNotBuiltError';
  }
}

export type WebApp = { handle: TWebHandler; close(): Promise<void> };

/**
 * Next.js in production mode inside this process: its request handler serves every path outside
 * the API's prefixes. Imported lazily so processes without the web role never load Next.
 */
export async function createWebApp(dir: string): Promise<WebApp> {
  if (!existsSync(path.join(dir, '.next', 'BUILD_ID'))) throw new WebNotBuiltError(dir);
  const { default: next } = await import('next');
  const nextApp = next({ dev: false, dir, quiet: true });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();
  return {
    handle: async (req, res) => {
      await handle(req, res);
    },
    close: () => nextApp.close(),
  };
}

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const round = (n: number) => Math.round(n);

/** The value at percentile `p` (0–100) of an ascending array; NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const serverSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../apps/server/src');

/**
 * Teammates edit the server while benchmarks run: record which text of each file was measured
 * (`files` relative to apps/server/src), besides the commit and how many files there differ from it.
 */
export function describeSources(files: string[]) {
  return {
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
    dirty: execFileSync('git', ['status', '--porcelain', '--', serverSrc], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length,
    sources: Object.fromEntries(
      files.map((file) => [
        file,
        createHash('sha256')
          .update(readFileSync(path.join(serverSrc, file)))
          .digest('hex')
          .slice(0, 12),
      ]),
    ),
  };
}

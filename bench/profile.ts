import { readFileSync } from 'node:fs';
import { round } from './report.ts';

type TProfile = {
  nodes: {
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
};

/** Self time of a V8 .cpuprofile by package and by frame, printed as two tables. */
export function summariseProfile(file: string, print: (line: string) => void = console.log): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as TProfile;
  const perSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') continue;
    busy += hits;
    const where = url.replace(/^file:\/\//, '');
    const short = where.includes('node_modules/')
      ? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length)
      : where.replace(/^.*\/apps\/server\//, 'apps/server/');
    const key = `${name} ${short}:${lineNumber + 1}`;
    frames.set(key, (frames.get(key) ?? 0) + hits);
    const pkg = where.includes('node_modules/')
      ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? '?')
      : where.includes('/apps/server/src/')
        ? 'corebase'
        : where.startsWith('node:')
          ? 'node:internal'
          : where === ''
            ? name
            : 'other';
    packages.set(pkg, (packages.get(pkg) ?? 0) + hits);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, hits]) => ({
        frame: key,
        'self ms': round(hits * perSample),
        '% busy': Number(((hits / busy) * 100).toFixed(1)),
      }));
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  print(`\nprofile ${file} (busy ${round(busy * perSample)} ms of ${round(wallMs)} ms wall)`);
  console.table(top(packages, 12));
  console.table(top(frames, 25));
}

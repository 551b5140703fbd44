import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const serverDir = path.resolve(import.meta.dirname, '..');

export type TSpawned = {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the URL the server printed, rejects if it exits first. */
  ready: (timeoutMs?: number) => Promise<string>;
};

/** Runs a server entry point (src/main.ts or src/cli.ts) from source through tsx. */
export function spawnEntry(
  entry: 'main' | 'cli',
  env: Record<string, string>,
  args: string[] = [],
): TSpawned {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/${entry}.ts`, ...args], {
    cwd: serverDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ready = (timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready in ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const check = () => {
        const match = /Corebase is running at (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before ready:\n${output}`));
      });
    });
  return { child, output: () => output, exited, ready };
}

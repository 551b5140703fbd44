import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const serverDir = path.resolve(import.meta.dirname, '..', '..', '..');

describe('the committed migrations', () => {
  it('match the Drizzle schema (run `npm run db:generate` after changing a table)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'corebase-drift-'));
    try {
      cpSync(path.join(serverDir, 'drizzle'), out, { recursive: true });
      const before = readdirSync(out).filter((f) => f.endsWith('.sql'));
      const config = path.join(out, 'drizzle.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          dialect: 'postgresql',
          schema: path.join(serverDir, 'src/platform/db/schema.ts'),
          // drizzle-kit prefixes "./" to `out`: it must be relative to the working directory.
          out: path.relative(serverDir, out),
          casing: 'snake_case',
        }),
      );
      const output = execFileSync(
        path.join(serverDir, '..', '..', 'node_modules', '.bin', 'drizzle-kit'),
        ['generate', '--config', config, '--name', 'drift'],
        { cwd: serverDir, encoding: 'utf8' },
      );
      const after = readdirSync(out).filter((f) => f.endsWith('.sql'));
      expect(after, output).toEqual(before);
      expect(output).toContain('No schema changes');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

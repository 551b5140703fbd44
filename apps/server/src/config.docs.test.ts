import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, describeConfigKeys, loadConfig, secretKeys, ZEnv } from '#server/config';

/*
 * The configuration a user reads (.env.example, README's table, infra/compose.yaml) must say
 * what the schema in config.ts does. Each check names what to fix when it fails.
 */

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const read = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');

const schemaKeys = describeConfigKeys();
const keyNames = schemaKeys.map((k) => k.key);
/** A syntactically valid secret for the cases that need one; never a real value. */
const placeholderSecret = 'test-only-secret-0123456789abcdefghijklmnop';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'corebase-config-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function configErrorOf(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

const difference = (a: Iterable<string>, b: Iterable<string>) => {
  const other = new Set(b);
  return [...new Set(a)].filter((item) => !other.has(item)).sort();
};

// ---------------------------------------------------------------------------------------------
// .env.example
// ---------------------------------------------------------------------------------------------

type TEnvExampleEntry = { key: string; value: string; commented: boolean; comments: string[] };

/** Key lines (`KEY=value` or `# KEY=value`) with the comment lines directly above them. */
function parseEnvExample(text: string): { entries: TEnvExampleEntry[]; duplicates: string[] } {
  const entries: TEnvExampleEntry[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  let comments: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const keyLine = /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (keyLine) {
      const key = keyLine[2]!;
      if (seen.has(key)) duplicates.push(key);
      seen.add(key);
      entries.push({ key, value: keyLine[3]!.trim(), commented: !!keyLine[1], comments });
      comments = [];
    } else if (line.startsWith('#')) {
      comments.push(line.replace(/^#\s?/, '').trim());
    } else {
      comments = []; // a blank line ends a block: only the block right above a key describes it
    }
  }
  return { entries, duplicates };
}

describe('.env.example', () => {
  const { entries, duplicates } = parseEnvExample(read('.env.example'));
  const byKey = new Map(entries.map((entry) => [entry.key, entry]));

  it('lists every key of the schema, and only those, once each', () => {
    expect
      .soft(difference(keyNames, byKey.keys()), 'keys in config.ts missing from .env.example')
      .toEqual([]);
    expect
      .soft(difference(byKey.keys(), keyNames), 'keys in .env.example unknown to config.ts')
      .toEqual([]);
    expect(duplicates, 'keys listed twice in .env.example').toEqual([]);
  });

  it('describes each key with the text of its .describe() and marks exactly the secrets', () => {
    for (const { key, description, secret } of schemaKeys) {
      const entry = byKey.get(key);
      if (!entry) continue; // reported above
      expect(entry.comments, `the comment block above ${key} in .env.example`).toContain(
        description,
      );
      const marked = entry.comments.some((line) => line.startsWith('Secret:'));
      expect(marked, `${key} ${secret ? 'is' : 'is not'} a secret: its "Secret:" line`).toBe(
        secret,
      );
    }
  });

  it('keeps every key commented out, so copying it to .env changes nothing', () => {
    expect(entries.filter((entry) => !entry.commented).map((entry) => entry.key)).toEqual([]);
  });

  it('shows values the schema accepts, and the default where the schema has one', () => {
    const defaults = loadConfig({ CB_DATA_DIR: tempDir(), AUTH_SECRET: placeholderSecret });
    for (const entry of entries) {
      const schema = ZEnv.shape[entry.key as keyof typeof ZEnv.shape];
      if (!schema) continue; // reported above
      const env = {
        CB_DATA_DIR: tempDir(),
        AUTH_SECRET: placeholderSecret,
        [entry.key]: entry.value,
      };
      let config;
      try {
        config = loadConfig(env);
      } catch (error) {
        throw new Error(`.env.example shows ${entry.key}=${entry.value}, which is refused`, {
          cause: error,
        });
      }
      const hasDefault = schema.safeParse(undefined).data !== undefined;
      if (hasDefault && entry.key !== 'CB_DATA_DIR') {
        expect(
          config[entry.key as keyof typeof config],
          `.env.example shows ${entry.key}=${entry.value}; the default is different`,
        ).toEqual(defaults[entry.key as keyof typeof defaults]);
      }
    }
    const dataDir = byKey.get('CB_DATA_DIR');
    expect(dataDir?.value, 'CB_DATA_DIR in .env.example').toBe(
      ZEnv.shape.CB_DATA_DIR.parse(undefined),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// README configuration table
// ---------------------------------------------------------------------------------------------

type TReadmeRow = { key: string; secret: boolean; defaultText: string; description: string };

/** Rows of the `| Key | Default | Description |` table under "## Configuration". */
function parseReadmeTable(markdown: string): TReadmeRow[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Configuration'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const rows: TReadmeRow[] = [];
  for (const line of section.split(/\r?\n/)) {
    if (!line.startsWith('| `')) continue;
    // Split on pipes not escaped as \| (descriptions may contain "a | b").
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replaceAll('\\|', '|').replaceAll('\\*', '*'));
    const key = /^`([A-Z][A-Z0-9_]*)`/.exec(cells[0] ?? '')?.[1];
    if (!key || cells.length !== 3) {
      throw new Error(`README.md configuration table: cannot read the row ${line}`);
    }
    rows.push({
      key,
      secret: /\(secret\)/.test(cells[0]!),
      defaultText: cells[1]!,
      description: cells[2]!,
    });
  }
  return rows;
}

describe('README configuration table', () => {
  const rows = parseReadmeTable(read('README.md'));
  const byKey = new Map(rows.map((row) => [row.key, row]));

  it('has a row for every key of the schema, and only those, once each', () => {
    expect
      .soft(difference(keyNames, byKey.keys()), 'keys in config.ts missing from README')
      .toEqual([]);
    expect
      .soft(difference(byKey.keys(), keyNames), 'keys in README unknown to config.ts')
      .toEqual([]);
    expect(rows.length, 'README lists a key twice').toBe(byKey.size);
  });

  it('describes each key with the text of its .describe() and marks exactly the secrets', () => {
    for (const { key, description, secret } of schemaKeys) {
      const row = byKey.get(key);
      if (!row) continue;
      expect(row.description, `README description of ${key}`).toBe(description);
      expect(row.secret, `README "(secret)" mark on ${key}`).toBe(secret);
      expect(row.defaultText, `README default of ${key}`).not.toBe('');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// infra/compose.yaml
// ---------------------------------------------------------------------------------------------

type TComposeService = {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: unknown };
};

/**
 * Compose's interpolation, enough for this file: `${VAR:-default}` and `${VAR-default}` resolve
 * to their defaults, `${VAR:?message}` / `${VAR?message}` to the value in `supplied` (a required
 * variable compose refuses to start without), `$$` to `$`.
 */
function interpolate(
  value: string,
  supplied: Record<string, string>,
  required: Set<string>,
): string {
  const resolved = value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      if (operator === ':-' || operator === '-') return supplied[name] ?? argument ?? '';
      if (operator === ':?' || operator === '?') {
        required.add(name);
        const given = supplied[name];
        if (given === undefined) throw new Error(`compose requires ${name}: ${argument}`);
        return given;
      }
      return supplied[name] ?? '';
    },
  );
  if (resolved.includes('${')) throw new Error(`cannot resolve "${value}" (nested default?)`);
  return resolved;
}

function environmentOf(
  service: TComposeService,
  supplied: Record<string, string>,
  required: Set<string>,
): Record<string, string> {
  const raw = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(raw)
    ? raw.map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(
    pairs.map(([key, value]) => [key, interpolate(value, supplied, required)]),
  );
}

describe('infra/compose.yaml', () => {
  const composeFile = path.join(repoRoot, 'infra', 'compose.yaml');
  const compose = parseYaml(readFileSync(composeFile, 'utf8')) as {
    services?: Record<string, TComposeService>;
  };
  const services = compose.services ?? {};
  const server = services.server ?? {};
  const required = new Set<string>();
  const env = environmentOf(server, { AUTH_SECRET: placeholderSecret }, required);

  it('defines postgres, redis, minio, mailpit and server', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'minio', 'mailpit', 'server']),
    );
  });

  it('gives the server an environment loadConfig accepts, on PostgreSQL and Redis', () => {
    const config = loadConfig(env);
    expect(config.database).toBe('postgres');
    expect(config.REDIS_URL).toBeDefined();
    expect(config.CB_ROLES).toEqual(['api', 'web']);
    expect(config.HOST, 'a container must listen on every interface').toBe('0.0.0.0');
  });

  it('makes compose refuse to start without AUTH_SECRET, instead of shipping a default', () => {
    expect([...required]).toContain('AUTH_SECRET');
    expect(() => environmentOf(server, {}, new Set())).toThrow(/AUTH_SECRET/);
  });

  it('points DATABASE_URL and REDIS_URL at services of this file, and waits for them', () => {
    const dependsOn = server.depends_on ?? {};
    for (const key of ['DATABASE_URL', 'REDIS_URL']) {
      const host = new URL(env[key] ?? '').hostname;
      expect(Object.keys(services), `${key} host "${host}"`).toContain(host);
      const condition = Array.isArray(dependsOn) ? undefined : dependsOn[host]?.condition;
      expect(condition, `server.depends_on.${host}.condition`).toBe('service_healthy');
      expect(services[host]?.healthcheck?.test, `${host} healthcheck`).toBeDefined();
    }
  });

  it('builds the server from the repository with infra/docker/Dockerfile', () => {
    const build = typeof server.build === 'string' ? { context: server.build } : server.build;
    const context = path.resolve(path.dirname(composeFile), build?.context ?? '.');
    expect(context).toBe(repoRoot);
    const dockerfile = path.resolve(context, build?.dockerfile ?? 'Dockerfile');
    expect(path.relative(repoRoot, dockerfile)).toBe(path.join('infra', 'docker', 'Dockerfile'));
    expect(existsSync(dockerfile)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// loadConfig: what a user relies on
// ---------------------------------------------------------------------------------------------

describe('loadConfig', () => {
  it('reports every bad key in one ConfigError, one line each', () => {
    const error = configErrorOf(() =>
      loadConfig({
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        AUTH_SECRET: placeholderSecret,
      }),
    );
    const lines = error.message.split('\n').filter((line) => line.startsWith('  - '));
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => /^ {2}- ([A-Z_]+):/.exec(line)?.[1]).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
    ]);
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('"abc"'); // a non-secret bad value is shown, to act on
  });

  it('demands AUTH_SECRET when DATABASE_URL is set, and generates nothing', () => {
    const dataDir = tempDir();
    const error = configErrorOf(() =>
      loadConfig({ DATABASE_URL: 'postgres://corebase@db:5432/corebase', CB_DATA_DIR: dataDir }),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^AUTH_SECRET: required when DATABASE_URL is set/);
    expect(existsSync(path.join(dataDir, 'secrets'))).toBe(false);
    const config = loadConfig({
      DATABASE_URL: 'postgres://corebase@db:5432/corebase',
      AUTH_SECRET: placeholderSecret,
      CB_DATA_DIR: dataDir,
    });
    expect(config.AUTH_SECRET).toBe(placeholderSecret);
    expect(config.CB_DEMO_SEED).toBe(false);
  });

  it('refuses a role subset on PGlite, naming PGlite, and accepts it on PostgreSQL', () => {
    const error = configErrorOf(() => loadConfig({ CB_ROLES: 'api', CB_DATA_DIR: tempDir() }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^CB_ROLES: .*PGlite/);
    const split = loadConfig({
      CB_ROLES: 'api',
      DATABASE_URL: 'postgres://corebase@db:5432/corebase',
      AUTH_SECRET: placeholderSecret,
    });
    expect(split.CB_ROLES).toEqual(['api']);
    const every = ['api', 'web', 'worker', 'scheduler'];
    expect(loadConfig({ CB_ROLES: 'all', CB_DATA_DIR: tempDir() }).CB_ROLES).toEqual(every);
    expect(loadConfig({ CB_DATA_DIR: tempDir() }).CB_ROLES).toEqual(every);
  });

  it('generates AUTH_SECRET into CB_DATA_DIR/secrets once, then reuses it', () => {
    const dataDir = tempDir();
    const first = loadConfig({ CB_DATA_DIR: dataDir });
    const file = path.join(dataDir, 'secrets', 'auth-secret');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.AUTH_SECRET);
    expect(first.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadConfig({ CB_DATA_DIR: dataDir });
    expect(second.AUTH_SECRET).toBe(first.AUTH_SECRET);
    // An explicit value wins over the file, and leaves it alone.
    expect(loadConfig({ CB_DATA_DIR: dataDir, AUTH_SECRET: placeholderSecret }).AUTH_SECRET).toBe(
      placeholderSecret,
    );
    expect(readFileSync(file, 'utf8').trim()).toBe(first.AUTH_SECRET);
  });

  it('reports CB_ROLES on PGlite together with the other bad keys', () => {
    const error = configErrorOf(() => loadConfig({ PORT: 'abc', CB_ROLES: 'api' }));
    expect(error.problems).toHaveLength(2);
    expect(error.message).toMatch(/- PORT:/);
    expect(error.message).toMatch(/- CB_ROLES: .*PGlite/);
  });

  it('reads the webhook retry schedule only with units, and refuses a bare number', () => {
    expect(
      loadConfig({ CB_DATA_DIR: tempDir(), WEBHOOK_RETRY_SCHEDULE: '250ms, 5s,2m,1h' })
        .WEBHOOK_RETRY_SCHEDULE,
    ).toEqual([250, 5_000, 120_000, 3_600_000]);
    const error = configErrorOf(() =>
      loadConfig({ CB_DATA_DIR: tempDir(), WEBHOOK_RETRY_SCHEDULE: '5,300' }),
    );
    expect(error.message).toMatch(/WEBHOOK_RETRY_SCHEDULE: .*units/);
    const hosts = configErrorOf(() =>
      loadConfig({ CB_DATA_DIR: tempDir(), WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33, *.corp' }),
    );
    expect(hosts.message).toMatch(/WEBHOOK_ALLOWED_HOSTS: .*10\.0\.0\.0\/33, \*\.corp/);
  });

  it('never echoes a secret value in its messages', () => {
    const secretValues = {
      DATABASE_URL: 'mysql://admin:hunter2-db-password@db.internal/corebase',
      REDIS_URL: 'http://default:hunter2-redis-password@cache.internal:6379',
      AUTH_SECRET: 'hunter2-too-short',
      ENCRYPTION_KEYS: '1:hunter2-not-a-32-byte-key',
      METRICS_TOKEN: 'hunter2-tok',
      SMTP_URL: 'http://mailer:hunter2-smtp-password@mail.internal:587',
      GOOGLE_CLIENT_SECRET: 'hunter2-google-secret',
      GITHUB_CLIENT_SECRET: 'hunter2-github-secret',
      OIDC_PROVIDERS: '[{"id":"okta","clientSecret":"hunter2-oidc-secret"',
      AMQP_URL: 'http://guest:hunter2-amqp-password@rabbit.internal:5672',
    };
    expect(Object.keys(secretValues).sort()).toEqual([...secretKeys].sort());
    const error = configErrorOf(() => loadConfig({ ...secretValues, PORT: 'abc' }));
    for (const [key, value] of Object.entries(secretValues)) {
      expect(error.message, `the message names ${key}`).toContain(`${key}:`);
      expect(error.message, `the message leaks ${key}`).not.toContain(value);
    }
    expect(error.message).not.toContain('hunter2');
    // And when the secret is merely missing, its neighbours' values are not echoed either.
    const missing = configErrorOf(() =>
      loadConfig({ DATABASE_URL: 'postgres://admin:hunter2@db/corebase' }),
    );
    expect(missing.message).not.toContain('hunter2');
  });

  it('turns a provider on only with both its id and secret, naming the missing one', () => {
    const dir = tempDir();
    const half = configErrorOf(() =>
      loadConfig({ CB_DATA_DIR: dir, GITHUB_CLIENT_ID: 'abc', GOOGLE_CLIENT_SECRET: 'xyz' }),
    );
    expect(half.problems).toEqual([
      expect.stringMatching(/^GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET: .*the id is missing/),
      expect.stringMatching(/^GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET: .*the secret is missing/),
    ]);
    const both = loadConfig({ CB_DATA_DIR: dir, GITHUB_CLIENT_ID: 'a', GITHUB_CLIENT_SECRET: 'b' });
    expect(both.GITHUB_CLIENT_ID).toBe('a');
  });

  it('refuses a headers timeout longer than the request timeout (Node would not start)', () => {
    const dir = tempDir();
    const longer = configErrorOf(() =>
      loadConfig({
        CB_DATA_DIR: dir,
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        HTTP_HEADERS_TIMEOUT_MS: '6000',
      }),
    );
    expect(longer.problems).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS: must be at most HTTP_REQUEST_TIMEOUT_MS (5000)',
    ]);
  });

  it('parses OIDC_PROVIDERS and explains each wrong entry', () => {
    const dir = tempDir();
    const good = loadConfig({
      CB_DATA_DIR: dir,
      OIDC_PROVIDERS:
        '[{"id":"okta","issuer":"https://acme.okta.com","clientId":"c","clientSecret":"s"},{"id":"entra","name":"Microsoft","issuer":"https://login.microsoftonline.com/t/v2.0","clientId":"c2"}]',
    });
    expect(good.OIDC_PROVIDERS?.map((p) => p.id)).toEqual(['okta', 'entra']);
    const cases: [string, RegExp][] = [
      ['not json', /OIDC_PROVIDERS: expected a JSON array/],
      ['[{"id":"Okta!","issuer":"https://a.test","clientId":"c"}]', /entry 0: id: expected/],
      ['[{"id":"google","issuer":"https://a.test","clientId":"c"}]', /entry 0: id: .*taken/],
      ['[{"id":"a","issuer":"ftp://a.test","clientId":"c"}]', /entry 0: issuer: must be an http/],
      ['[{"id":"a","issuer":"https://a.test"}]', /entry 0: /],
      ['[{"id":"a","issuer":"http://idp.example.com","clientId":"c"}]', /must be https/],
      [
        '[{"id":"a","issuer":"https://a.test","clientId":"c","emailDomains":["Acme.COM"]}]',
        /emailDomains: expected lower-case domains/,
      ],
      [
        '[{"id":"a","issuer":"https://a.test","clientId":"c"},{"id":"a","issuer":"https://b.test","clientId":"d"}]',
        /repeated: a/,
      ],
    ];
    for (const [value, message] of cases) {
      const error = configErrorOf(() => loadConfig({ CB_DATA_DIR: dir, OIDC_PROVIDERS: value }));
      expect(error.message, value).toMatch(message);
    }
  });

  it('treats empty values as unset, as compose and .env files write them', () => {
    const config = loadConfig({
      CB_DATA_DIR: tempDir(),
      PORT: '',
      DATABASE_URL: '',
      REDIS_URL: ' ',
      AUTH_SECRET: '',
    });
    expect(config.PORT).toBe(3000);
    expect(config.database).toBe('pglite');
    expect(config.REDIS_URL).toBeUndefined();
  });
});

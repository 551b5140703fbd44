import ipaddr from 'ipaddr.js';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  deriveKeyEntry,
  formatKeyFile,
  generateKeyEntry,
  KeyringError,
  parseKeyEntries,
  type TKeyEntry,
} from '#server/platform/crypto/keyring';

/**
 * The whole environment of the server, described once. Every key here is listed, with the
 * same description, in `.env.example` and in README's configuration table (a test keeps the
 * three in step). Nothing reads `process.env` after `loadConfig` returns.
 */

const booleanFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const listFromString = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const roleNames = ['api', 'web', 'worker', 'scheduler'] as const;
export type TRole = (typeof roleNames)[number];

const roles = z.string().transform((value, ctx) => {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 1 && items[0] === 'all') return [...roleNames];
  const unknown = items.filter((item) => !(roleNames as readonly string[]).includes(item));
  if (items.length === 0 || unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected "all" or a comma-separated list of ${roleNames.join(', ')}; got "${value}"`,
    });
    return z.NEVER;
  }
  return [...new Set(items)] as TRole[];
});

const postgresUrl = z
  .string()
  .url()
  .refine(
    (value) => /^postgres(ql)?:\/\//.test(value),
    'must start with postgres:// or postgresql://',
  );

const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), 'must start with redis:// or rediss://');

/** Keys whose values are secrets: never logged, masked in every diagnostic. */
export const secretKeys = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'AUTH_SECRET',
  'ENCRYPTION_KEYS',
  'METRICS_TOKEN',
  'SMTP_URL',
  'GOOGLE_CLIENT_SECRET',
  'GITHUB_CLIENT_SECRET',
  'OIDC_PROVIDERS',
  'AMQP_URL',
]);

/** Ids taken by built-in sign-in methods; an OpenID Connect provider needs another. */
const reservedProviderIds = ['google', 'github', 'email', 'credential'];

const ZOidcProvider = z.object({
  id: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
      'id: expected 1 to 32 lower-case letters, digits and inner dashes, such as okta',
    )
    .refine((id) => !reservedProviderIds.includes(id), {
      message: `id: ${reservedProviderIds.join(', ')} are taken by built-in sign-in methods`,
    }),
  name: z.string().trim().min(1).max(60).optional(),
  issuer: z
    .string()
    .url('issuer: expected the issuer URL, such as https://login.example.com')
    .refine((value) => /^https?:\/\//.test(value), 'issuer: must be an http(s) URL')
    // Discovery and signing keys over plain http could be rewritten on the way.
    .refine(
      (value) =>
        value.startsWith('https://') ||
        ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(value).hostname),
      'issuer: must be https (plain http only on this machine, for development)',
    ),
  clientId: z.string().min(1, 'clientId: required'),
  clientSecret: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).optional(),
  /**
   * The email domains this provider is authoritative for. Listed: addresses elsewhere do not
   * count as verified by it (no account created, no linking). Unlisted: every domain.
   */
  emailDomains: z
    .array(
      z
        .string()
        .regex(
          /^[a-z0-9.-]+\.[a-z]{2,}$/,
          'emailDomains: expected lower-case domains such as acme.com',
        ),
    )
    .min(1)
    .optional(),
});

export type TOidcProvider = z.infer<typeof ZOidcProvider>;

const oidcProviders = z.string().transform((value, ctx) => {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message:
        'expected a JSON array such as [{"id":"okta","name":"Okta","issuer":"https://acme.okta.com","clientId":"…","clientSecret":"…"}]',
    });
    return z.NEVER;
  }
  const parsed = z.array(ZOidcProvider).safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${String(issue.path[0] ?? '')}: ${issue.message}`,
      });
    }
    return z.NEVER;
  }
  const ids = parsed.data.map((p) => p.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) {
    ctx.addIssue({ code: 'custom', message: `each id once; repeated: ${repeated.join(', ')}` });
    return z.NEVER;
  }
  return parsed.data;
});

const encryptionKeys = z.string().transform((value, ctx): TKeyEntry[] => {
  try {
    return parseKeyEntries(value);
  } catch (error) {
    if (!(error instanceof KeyringError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
});

export const ZEnv = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('development')
    .describe(
      'development | test | production. Outside production, using the root database handle inside a transaction throws.',
    ),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(3000)
    .describe('TCP port the front door listens on (0 picks a free port).'),
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      'Interface to bind. 127.0.0.1 keeps a laptop install private; containers use 0.0.0.0.',
    ),
  PUBLIC_URL: z
    .string()
    .url()
    .optional()
    .describe(
      'Public base URL, used in links and printed at start. Default http://localhost:PORT.',
    ),
  CB_ROLES: roles
    .default(['api', 'web', 'worker', 'scheduler'])
    .describe(
      'Roles this process runs: "all" or a comma list of api, web, worker, scheduler. PGlite needs "all".',
    ),
  CB_DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('Directory for embedded data: PGlite files (pg/), generated secrets, the lock file.'),
  CB_WEB_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Directory of the built Next.js app. Default: apps/web next to this server.'),
  CB_DEMO_SEED: booleanFromString
    .optional()
    .describe('Seed a demo organization at start. Default true on PGlite, false on PostgreSQL.'),
  DATABASE_URL: postgresUrl
    .optional()
    .describe('PostgreSQL connection URL. Unset: embedded PGlite under CB_DATA_DIR/pg.'),
  DATABASE_POOL_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('Maximum connections in the PostgreSQL pool of each process.'),
  DATABASE_CONNECT_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(8)
    .describe(
      'Attempts to reach the database at start (exponential backoff from 250 ms) before exiting.',
    ),
  REDIS_URL: redisUrl
    .optional()
    .describe(
      'Redis URL for rate limits and jobs (BullMQ); later cache and pub/sub. Unset: in memory, jobs in the database.',
    ),
  AMQP_URL: z
    .string()
    .url()
    .refine((value) => /^amqps?:\/\//.test(value), 'must start with amqp:// or amqps://')
    .optional()
    .describe(
      'RabbitMQ URL: every domain event is also published to a topic exchange (routing key = event name). Unset: webhooks only.',
    ),
  AMQP_EXCHANGE: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,127}$/, 'letters, digits and . _ : - only')
    .default('corebase.events')
    .describe('The topic exchange domain events are published to (declared durable).'),
  AUTH_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe(
      'Secret for signing sessions and tokens. Generated into CB_DATA_DIR on PGlite; required with DATABASE_URL.',
    ),
  ENCRYPTION_KEYS: encryptionKeys
    .optional()
    .describe(
      'Keys for secrets at rest, "id:key,..." current first (npm run rotate-keys). Unset: a key file in CB_DATA_DIR on PGlite, else derived from AUTH_SECRET.',
    ),
  GOOGLE_CLIENT_ID: z
    .string()
    .optional()
    .describe(
      'Google OAuth client id: with GOOGLE_CLIENT_SECRET, turns on "Sign in with Google". Redirect URI: PUBLIC_URL/v1/auth/callback/google.',
    ),
  GOOGLE_CLIENT_SECRET: z.string().optional().describe('Google OAuth client secret.'),
  GITHUB_CLIENT_ID: z
    .string()
    .optional()
    .describe(
      'GitHub OAuth app client id: with GITHUB_CLIENT_SECRET, turns on "Sign in with GitHub". Callback URL: PUBLIC_URL/v1/auth/callback/github.',
    ),
  GITHUB_CLIENT_SECRET: z.string().optional().describe('GitHub OAuth app client secret.'),
  OIDC_PROVIDERS: oidcProviders
    .optional()
    .describe(
      'OpenID Connect identity providers, a JSON array of {id, name, issuer, clientId, clientSecret, scopes, emailDomains}. Redirect URI of each: PUBLIC_URL/v1/auth/callback/<id>.',
    ),
  SMTP_URL: z
    .string()
    .url()
    .refine((value) => /^smtps?:\/\//.test(value), 'must start with smtp:// or smtps://')
    .optional()
    .describe(
      'SMTP server for outgoing mail (smtp://user:pass@host:587). Unset: .eml files in CB_DATA_DIR/mail.',
    ),
  MAIL_FROM: z
    .string()
    .min(3)
    .default('Corebase <no-reply@corebase.local>')
    .describe('Sender of every email Corebase sends.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  LOG_PRETTY: booleanFromString
    .optional()
    .describe('Human-readable logs. Default: on when stdout is a terminal.'),
  CORS_ORIGINS: listFromString
    .default([])
    .describe(
      'Comma-separated origins allowed to call the API from a browser. Empty: same origin only.',
    ),
  RATE_LIMIT_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe('Requests allowed per client IP per window on the API, across all routes.'),
  RATE_LIMIT_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60_000)
    .describe('Rate-limit window in milliseconds.'),
  RATE_LIMIT_AUTH_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe(
      'Requests per client IP per window to sign-in, sign-up and password endpoints (counted apart from RATE_LIMIT_MAX).',
    ),
  RATE_LIMIT_ACCOUNT_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .default(10)
    .describe(
      'Requests per email address per window to sign-in, sign-up, password-reset and verification mail, from any IP.',
    ),
  RATE_LIMIT_API_KEY_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe('Requests per API key per window, whatever IPs they come from.'),
  AUTH_SESSION_IDLE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(8760)
    .default(168)
    .describe('A session unused this many hours ends (idle expiry); each use extends it.'),
  AUTH_SESSION_MAX_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe(
      'A session ends this many days after its sign-in however much it is used (absolute expiry).',
    ),
  AUTH_LOCKOUT_THRESHOLD: z.coerce
    .number()
    .int()
    .min(2)
    .max(100)
    .default(5)
    .describe('Failed sign-ins in a row that lock an email address temporarily.'),
  AUTH_LOCKOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(15)
    .describe('How long a locked address stays locked (a password reset unlocks it at once).'),
  ORG_DELETION_GRACE_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(365)
    .default(7)
    .describe('Days a deleted organization can be restored before its data is purged.'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1_048_576)
    .describe('Largest request body accepted, in bytes, on API and web paths alike (larger: 413).'),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(30_000)
    .describe(
      'A request must arrive in full (headers and body) within this many milliseconds of its first byte (later: 408 and the connection closes).',
    ),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe(
      'A request line and headers must arrive within this many milliseconds (later: 408 and the connection closes); at most HTTP_REQUEST_TIMEOUT_MS.',
    ),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(72_000)
    .describe(
      'An idle kept-alive connection closes after this many milliseconds; keep it above the idle timeout of the load balancer in front (often 60 s).',
    ),
  HTTP_CONNECTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(120_000)
    .describe(
      'A connection on which no byte moves either way for this many milliseconds, outside keep-alive idling, is closed (a client that stops reading, a stuck handler).',
    ),
  TRUST_PROXY: booleanFromString
    .default(false)
    .describe('Trust X-Forwarded-* headers (set when behind a load balancer or ingress).'),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'Bearer token for /metrics from non-loopback clients. Unset: /metrics is loopback-only.',
    ),
  JOBS_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(5)
    .describe('Jobs of one queue a worker process runs at once.'),
  JOBS_POLL_MS: z.coerce
    .number()
    .int()
    .min(5)
    .default(1_000)
    .describe(
      'How often an idle worker looks for due jobs in the database (enqueueing in the same process wakes it at once).',
    ),
  JOBS_LEASE_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(300_000)
    .describe(
      'How long a running job belongs to its worker; one still running after that (its process died) is run again.',
    ),
  JOBS_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('corebase')
    .describe(
      'BullMQ: the prefix of every job key in Redis, so several deployments can share one Redis.',
    ),
  JOBS_RECONCILE_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(300_000)
    .describe(
      'An event whose jobs have not all finished after this long has its missing jobs enqueued again (they vanished: Redis restarted without persistence).',
    ),
  JOBS_STALLED_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(30_000)
    .describe(
      'BullMQ: how often workers check for jobs whose worker died; such a job runs again, and after two stalls goes to the dead letters.',
    ),
  JOBS_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(7)
    .describe(
      'Finished job records, delivered outbox events and applied-effect keys older than this are removed by the clean-up (dead letters stay until discarded).',
    ),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5s,5m,30m,2h,5h,10h,10h')
    .transform((value, ctx) => {
      const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
      const delays = value.split(',').map((item) => {
        // A unit is required: "5,300" meant as seconds would otherwise retry within a second.
        const match = /^\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(item);
        return match ? Number(match[1]) * units[match[2]!]! : Number.NaN;
      });
      if (delays.length === 0 || delays.length > 20 || delays.some((d) => !Number.isFinite(d))) {
        ctx.addIssue({
          code: 'custom',
          message: `expected up to 20 comma-separated delays with units (ms, s, m, h) such as 5s,5m,2h; got "${value}"`,
        });
        return z.NEVER;
      }
      return delays;
    })
    .describe(
      'Delays between webhook delivery attempts (ms, s, m or h each); one attempt more than delays in all.',
    ),
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(10_000)
    .describe('How long a webhook receiver has to answer an attempt.'),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const entries = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const bad = entries.filter((entry) => {
        if (entry.includes('*')) return true;
        if (!entry.includes('/')) return false;
        try {
          ipaddr.parseCIDR(entry);
          return false;
        } catch {
          return true;
        }
      });
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected host names, IP addresses or CIDRs (no wildcards); cannot read ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return entries;
    })
    .describe(
      'Hosts or CIDRs webhooks may reach although private or loopback (comma list). Empty: public addresses only.',
    ),
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
    .number()
    .positive()
    .max(720)
    .default(24)
    .describe(
      'An endpoint failing this many hours without one success is disabled and its admins mailed.',
    ),
  WEBHOOK_LOG_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe('Days webhook deliveries and their attempts are kept.'),
  FILES_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Directory for stored files (report exports), served through signed links. Default: CB_DATA_DIR/files.',
    ),
  REPORTS_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(7)
    .describe('Days a ready report can be downloaded; then its file is deleted.'),
  REPORTS_LINK_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_080)
    .default(60)
    .describe('Minutes a report download link works; each read of the report gives a new one.'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe('How long a graceful shutdown waits for in-flight work before exiting.'),
});

export type TEnv = z.infer<typeof ZEnv>;

export type TConfig = Readonly<
  Omit<
    TEnv,
    'PUBLIC_URL' | 'CB_DEMO_SEED' | 'LOG_PRETTY' | 'AUTH_SECRET' | 'CB_WEB_DIR' | 'ENCRYPTION_KEYS'
  > & {
    PUBLIC_URL: string;
    CB_DEMO_SEED: boolean;
    LOG_PRETTY: boolean;
    AUTH_SECRET: string;
    /** The keyring for secrets at rest, current key first. */
    ENCRYPTION_KEYS: readonly TKeyEntry[];
    /**
     * Where ENCRYPTION_KEYS came from: the environment; the generated key file (`npm run
     * rotate-keys` edits it); or, with DATABASE_URL and no keys, derived from AUTH_SECRET.
     */
    encryptionKeySource: { kind: 'env' } | { kind: 'file'; file: string } | { kind: 'auth-secret' };
    CB_DATA_DIR: string;
    CB_WEB_DIR: string | undefined;
    /** Which database implementation the configuration selects. */
    database: 'pglite' | 'postgres';
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type LoadOptions = {
  /** Where generated secrets may be written; defaults to CB_DATA_DIR. */
  isTty?: boolean;
};

/**
 * Parses the environment once. Every bad or missing key is reported in one ConfigError.
 * On the embedded database, a missing AUTH_SECRET is generated once into CB_DATA_DIR and reused;
 * with a PostgreSQL server it must be provided (a generated secret would differ per pod).
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: LoadOptions = {},
): TConfig {
  // Empty strings mean "unset": .env files and compose files often carry KEY= lines.
  const cleaned = Object.fromEntries(
    Object.keys(ZEnv.shape).map((key) => {
      const value = env[key];
      return [key, value === undefined || value.trim() === '' ? undefined : value];
    }),
  );
  const parsed = ZEnv.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      const shown =
        secretKeys.has(key) || cleaned[key] === undefined ? '' : ` (got "${cleaned[key]}")`;
      problems.push(`${key}: ${issue.message}${shown}`);
    }
  }
  const data = parsed.success ? parsed.data : undefined;
  const database = cleaned.DATABASE_URL ? 'postgres' : 'pglite';

  // Judged on CB_ROLES alone, so it is reported together with any other bad key.
  const requestedRoles = roles.safeParse(cleaned.CB_ROLES ?? 'all');
  if (
    database === 'pglite' &&
    requestedRoles.success &&
    requestedRoles.data.length !== roleNames.length
  ) {
    problems.push(
      'CB_ROLES: the embedded database (PGlite) is single-process, so this process must run every role ("all"); set DATABASE_URL to split roles across processes',
    );
  }
  if (database === 'postgres' && !cleaned.AUTH_SECRET) {
    problems.push(
      'AUTH_SECRET: required when DATABASE_URL is set (every process must share it); generate one with: openssl rand -base64 48',
    );
  }
  for (const provider of ['GOOGLE', 'GITHUB'] as const) {
    const id = cleaned[`${provider}_CLIENT_ID`];
    const secret = cleaned[`${provider}_CLIENT_SECRET`];
    if (Boolean(id) !== Boolean(secret)) {
      problems.push(
        `${provider}_CLIENT_ID, ${provider}_CLIENT_SECRET: set both (to turn the provider on) or neither; ${id ? 'the secret' : 'the id'} is missing`,
      );
    }
  }
  // Node refuses a headers timeout longer than the request timeout.
  if (data && data.HTTP_HEADERS_TIMEOUT_MS > data.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS: must be at most HTTP_REQUEST_TIMEOUT_MS (${data.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
  if (!data || problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(data.CB_DATA_DIR);
  const authSecret = data.AUTH_SECRET ?? readOrCreateSecret(dataDir, 'auth-secret');
  const keys = resolveEncryptionKeys(data.ENCRYPTION_KEYS, database, dataDir, authSecret);
  const config: TConfig = {
    ...data,
    CB_DATA_DIR: dataDir,
    CB_WEB_DIR: data.CB_WEB_DIR ? path.resolve(data.CB_WEB_DIR) : undefined,
    PUBLIC_URL: (data.PUBLIC_URL ?? `http://localhost:${data.PORT}`).replace(/\/$/, ''),
    CB_DEMO_SEED: data.CB_DEMO_SEED ?? database === 'pglite',
    LOG_PRETTY: data.LOG_PRETTY ?? options.isTty ?? false,
    AUTH_SECRET: authSecret,
    ENCRYPTION_KEYS: keys.entries,
    encryptionKeySource: keys.source,
    database,
  };
  return Object.freeze(config);
}

function readOrCreateSecret(
  dataDir: string,
  name: string,
  generate = () => randomBytes(48).toString('base64url'),
): string {
  const file = path.join(dataDir, 'secrets', name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = generate();
  // 'wx' so two racing first starts cannot overwrite each other's secret.
  try {
    writeFileSync(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return readFileSync(file, 'utf8').trim();
    }
    throw error;
  }
  chmodSync(file, 0o600);
  return secret;
}

/** The generated keyring file of the embedded mode: one `<id>:<key>` a line, current first. */
export const encryptionKeysFile = (dataDir: string): string =>
  path.join(dataDir, 'secrets', 'encryption-keys');

/**
 * ENCRYPTION_KEYS when set. Else on PGlite a key file generated once (like auth-secret); with
 * DATABASE_URL a key derived from AUTH_SECRET, which every process already shares, so existing
 * deployments keep starting (a warning at start recommends setting ENCRYPTION_KEYS).
 */
function resolveEncryptionKeys(
  fromEnv: TKeyEntry[] | undefined,
  database: 'pglite' | 'postgres',
  dataDir: string,
  authSecret: string,
): { entries: TKeyEntry[]; source: TConfig['encryptionKeySource'] } {
  if (fromEnv) return { entries: fromEnv, source: { kind: 'env' } };
  if (database === 'postgres') {
    return { entries: [deriveKeyEntry(authSecret)], source: { kind: 'auth-secret' } };
  }
  const file = encryptionKeysFile(dataDir);
  const text = readOrCreateSecret(dataDir, 'encryption-keys', () =>
    formatKeyFile([generateKeyEntry()]),
  );
  try {
    return { entries: parseKeyEntries(text), source: { kind: 'file', file } };
  } catch (error) {
    throw new ConfigError([
      `ENCRYPTION_KEYS: the key file ${file} is damaged: ${(error as Error).message}`,
    ]);
  }
}

/** Config keys and their descriptions, for the docs and the `.env.example` check. */
export function describeConfigKeys(): { key: string; description: string; secret: boolean }[] {
  return Object.entries(ZEnv.shape).map(([key, schema]) => ({
    key,
    description: schema.description ?? '',
    secret: secretKeys.has(key),
  }));
}

/**
 * Origins whose browser requests may carry our session cookie: PUBLIC_URL's, CORS_ORIGINS, and,
 * when PUBLIC_URL is a loopback address, its localhost/127.0.0.1 twin (people open either).
 */
export function trustedOrigins(config: Pick<TConfig, 'PUBLIC_URL' | 'CORS_ORIGINS'>): string[] {
  const origin = new URL(config.PUBLIC_URL);
  const origins = [origin.origin, ...config.CORS_ORIGINS];
  const twin = { localhost: '127.0.0.1', '127.0.0.1': 'localhost' }[origin.hostname];
  if (twin) {
    const alias = new URL(origin.origin);
    alias.hostname = twin;
    origins.push(alias.origin);
  }
  return [...new Set(origins)];
}

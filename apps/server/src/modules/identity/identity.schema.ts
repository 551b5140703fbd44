import {
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAtColumn, idColumn, updatedAtColumn } from '#server/platform/db/columns';

/*
 * Shaped for better-auth 1.7.5 (core `user`, organization plugin `organization` and `member`,
 * admin plugin fields), mapped onto our table names with snake_case columns: the accounts work
 * plugs better-auth onto these tables through its modelName mapping, without a second user table.
 */

/** Platform table (no RLS): a user exists across organizations. */
export const users = pgTable('users', {
  id: idColumn(),
  name: text('name').notNull(),
  /** Stored lower-cased; unique across the platform. */
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  /** better-auth admin plugin: 'admin' marks a platform superadmin. */
  role: text('role').notNull().default('user'),
  banned: boolean('banned').notNull().default(false),
  banReason: text('ban_reason'),
  banExpires: timestamp('ban_expires', { withTimezone: true, mode: 'date' }),
  timeZone: text('time_zone'),
  locale: text('locale'),
  /** two-factor plugin: set once a TOTP secret is confirmed with a code. */
  twoFactorEnabled: boolean('two_factor_enabled').notNull().default(false),
  createdAt: createdAtColumn(),
  updatedAt: updatedAtColumn(),
});

/** Platform table (no RLS): the tenants themselves; "which orgs exist" crosses tenants. */
export const organizations = pgTable('organizations', {
  id: idColumn(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  logo: text('logo'),
  metadata: text('metadata'),
  createdAt: createdAtColumn(),
  /** Set when an owner deleted it: restorable until ORG_DELETION_GRACE_DAYS later, then purged. */
  deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date', precision: 3 }),
  deletedBy: uuid('deleted_by').references(() => users.id, { onDelete: 'set null' }),
});

/** Platform table (no RLS): "which organizations is this user in?" crosses tenants by nature. */
export const memberships = pgTable(
  'memberships',
  {
    id: idColumn(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [
    unique('memberships_organization_user_unique').on(t.organizationId, t.userId),
    index('memberships_user_idx').on(t.userId),
  ],
);

/**
 * Platform table (no RLS), like memberships: an organization's custom roles. better-auth's
 * organization plugin reads it (model `organizationRole`, dynamic access control) to accept a
 * custom role name and to check what its holders may do; our roles service is its only writer.
 */
export const organizationRoles = pgTable(
  'organization_roles',
  {
    id: idColumn(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** The name memberships and invitations hold in `role`. */
    role: text('role').notNull(),
    description: text('description'),
    /** Our permissions (`companies:read`, …): the source of truth. */
    permissions: text('permissions')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** better-auth's statements JSON, derived from `permissions` on every write. */
    permission: text('permission').notNull(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [unique('organization_roles_organization_role_unique').on(t.organizationId, t.role)],
);

/** Platform table (no RLS): better-auth `session`; one row per signed-in device. */
export const sessions = pgTable(
  'sessions',
  {
    id: idColumn(),
    /** Stored as given by better-auth: an opaque random token, sent signed in the cookie. */
    token: text('token').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    /** organization plugin: the organization this session acts in. */
    activeOrganizationId: uuid('active_organization_id').references(() => organizations.id, {
      onDelete: 'set null',
    }),
    /** admin plugin: the superadmin impersonating through this session. */
    impersonatedBy: uuid('impersonated_by').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Platform table (no RLS): better-auth `account`; a way to sign in (password, OAuth provider). */
export const accounts = pgTable(
  'accounts',
  {
    id: idColumn(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: timestamp('access_token_expires_at', {
      withTimezone: true,
      mode: 'date',
    }),
    refreshTokenExpiresAt: timestamp('refresh_token_expires_at', {
      withTimezone: true,
      mode: 'date',
    }),
    scope: text('scope'),
    /** argon2id hash for the credential provider. */
    password: text('password'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('accounts_user_idx').on(t.userId)],
);

/**
 * Platform table (no RLS): two-factor plugin `twoFactor`, one row per user with a TOTP secret.
 * The secret is encrypted by better-auth under ENCRYPTION_KEYS (auth.encryption.ts); the backup
 * codes are SHA-256 hashes (see auth.ts), never the codes themselves.
 */
export const twoFactors = pgTable(
  'two_factors',
  {
    id: idColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    secret: text('secret').notNull(),
    backupCodes: text('backup_codes').notNull(),
    /** false until the user confirmed the secret with a first code. */
    verified: boolean('verified').notNull().default(true),
    failedVerificationCount: integer('failed_verification_count').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date', precision: 3 }),
    createdAt: createdAtColumn(),
  },
  (t) => [index('two_factors_user_idx').on(t.userId)],
);

/**
 * Platform table (no RLS): jwt plugin `jwks`, the key pairs JWT access tokens are signed with.
 * The private key is encrypted by better-auth (ENCRYPTION_KEYS); a key past `expiresAt` (rotation)
 * signs nothing more and verifies for a grace period.
 */
export const jwks = pgTable('jwks', {
  id: idColumn(),
  publicKey: text('public_key').notNull(),
  privateKey: text('private_key').notNull(),
  alg: text('alg'),
  crv: text('crv'),
  createdAt: createdAtColumn(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }),
});

/** Platform table (no RLS): better-auth `verification`; single-use tokens (email, reset). */
export const verifications = pgTable(
  'verifications',
  {
    id: idColumn(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('verifications_identifier_idx').on(t.identifier)],
);

/** Platform table (no RLS): organization plugin `invitation`; read by invitees across tenants. */
export const invitations = pgTable(
  'invitations',
  {
    id: idColumn(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role'),
    status: text('status').notNull().default('pending'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    inviterId: uuid('inviter_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    index('invitations_organization_idx').on(t.organizationId),
    index('invitations_email_idx').on(t.email),
  ],
);

/**
 * Platform table (no RLS): failed sign-ins per email address, keyed by an HMAC of the address so
 * the table holds no addresses. Kept for unknown addresses too: a lock must not reveal whether an
 * account exists.
 */
export const signInFailures = pgTable('sign_in_failures', {
  emailHash: text('email_hash').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date', precision: 3 }),
  updatedAt: updatedAtColumn(),
});

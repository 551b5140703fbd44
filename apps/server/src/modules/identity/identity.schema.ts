import { boolean, index, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
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

import { hash, verify } from '@node-rs/argon2';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { admin } from 'better-auth/plugins/admin';
import { bearer } from 'better-auth/plugins/bearer';
import { organization } from 'better-auth/plugins/organization';
import type { TConfig } from '#server/config';
import { resetPasswordEmail, verificationEmail } from '#server/modules/auth/auth.emails';
import {
  accounts,
  invitations,
  memberships,
  organizations,
  sessions,
  users,
  verifications,
} from '#server/modules/identity/identity.schema';
import { newId } from '#server/platform/db/columns';
import type { Db } from '#server/platform/db/database';
import type { Mailer } from '#server/platform/mail/mailer';

/** Where better-auth is mounted; every auth endpoint is below it. */
export const authBasePath = '/v1/auth';

export type TAuthDeps = { config: TConfig; db: Db; mailer: Mailer };

/**
 * better-auth on our own tables: its models are mapped onto users, sessions, accounts,
 * verifications, organizations, memberships and invitations (platform tables, snake_case
 * columns, UUIDv7 ids). Its own rate limiter is off: ours (@fastify/rate-limit) covers its routes.
 */
export function createAuth({ config, db, mailer }: TAuthDeps) {
  return betterAuth({
    appName: 'Corebase',
    baseURL: config.PUBLIC_URL,
    basePath: authBasePath,
    secret: config.AUTH_SECRET,
    trustedOrigins: [config.PUBLIC_URL, ...config.CORS_ORIGINS],
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: { users, sessions, accounts, verifications, organizations, memberships, invitations },
    }),
    user: {
      modelName: 'users',
      additionalFields: {
        timeZone: { type: 'string', required: false },
        locale: { type: 'string', required: false },
      },
    },
    session: {
      modelName: 'sessions',
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
    },
    account: { modelName: 'accounts' },
    verification: { modelName: 'verifications' },
    advanced: {
      database: { generateId: () => newId() },
      useSecureCookies: config.PUBLIC_URL.startsWith('https://'),
      // Set by auth.routes from request.ip, which honours TRUST_PROXY; never the client's own word.
      ipAddress: { ipAddressHeaders: ['x-corebase-client-ip'] },
    },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 10,
      maxPasswordLength: 128,
      autoSignIn: true,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: 60 * 60,
      password: {
        hash: (password) => hash(password),
        verify: ({ hash: digest, password }) => verify(digest, password),
      },
      sendResetPassword: async ({ user, url }) => {
        await mailer.send(resetPasswordEmail(user.email, user.name, url));
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      expiresIn: 60 * 60,
      sendVerificationEmail: async ({ user, url }) => {
        await mailer.send(verificationEmail(user.email, user.name, url));
      },
    },
    plugins: [
      organization({
        schema: {
          organization: { modelName: 'organizations' },
          member: { modelName: 'memberships' },
          invitation: { modelName: 'invitations' },
        },
      }),
      admin(),
      bearer(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

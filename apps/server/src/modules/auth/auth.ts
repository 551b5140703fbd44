import { hash, verify } from '@node-rs/argon2';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { openAPI } from 'better-auth/plugins';
import { bearer } from 'better-auth/plugins/bearer';
import { jwt } from 'better-auth/plugins/jwt';
import { genericOAuth } from 'better-auth/plugins/generic-oauth';
import { twoFactor } from 'better-auth/plugins/two-factor';
import { organization } from 'better-auth/plugins/organization';
import type { HookEndpointContext } from '@better-auth/core';
import { tryGetCurrentAuthEndpointContext } from '@better-auth/core/context';
import {
  invitationAccepted,
  invitationCreated,
  memberRoleChanged,
  type TEventDefinition,
} from '@corebase/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { trustedOrigins, type TConfig, type TOidcProvider } from '#server/config';
import { dictionary } from '@zxcvbn-ts/language-common';
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from 'better-auth/api';
import { accessControl, libraryRoles } from '#server/modules/auth/auth.access';
import { isAuditedPath, securityEventOf, signInPaths } from '#server/modules/auth/auth.audit';
import {
  generateBackupCodes,
  hashedBackupCodes,
  usedTotpIdentifier,
} from '#server/modules/auth/two-factor';
import {
  changeEmailConfirmation,
  invitationEmail,
  newSignInEmail,
  resetPasswordEmail,
  verificationEmail,
} from '#server/modules/auth/auth.emails';
import type { Lockout } from '#server/modules/auth/lockout';
import { redisSecondaryStorage } from '#server/modules/auth/session-storage';
import { isRefusedSwitchClearing } from '#server/modules/auth/set-active-guard';
import { answerDatabaseRefusals } from '#server/modules/auth/adapter-errors';
import type { TAuditEntryInput } from '#server/modules/audit/audit.service';
import {
  accounts,
  invitations,
  memberships,
  jwks,
  organizationRoles,
  organizations,
  twoFactors,
  sessions,
  users,
  verifications,
} from '#server/modules/identity/identity.schema';
import { newId } from '#server/platform/db/columns';
import type { Db } from '#server/platform/db/database';
import type { Mailer } from '#server/platform/mail/mailer';
import type { Keyring } from '#server/platform/crypto/keyring';
import { betterAuthSecrets } from '#server/modules/auth/auth.encryption';

/** Where better-auth is mounted; every auth endpoint is below it. */
export const authBasePath = '/v1/auth';

export type TAuthDeps = {
  config: TConfig;
  db: Db;
  mailer: Mailer;
  /** Records one security event. A failure fails the request: the log must not silently miss one. */
  recordSecurityEvent: (entry: TAuditEntryInput) => Promise<void>;
  logger: Logger;
  lockout: Lockout;
  /** Whether the user already has a session from this user agent (else: alert by email). */
  knownDevice: (userId: string, sessionId: string, userAgent: string) => Promise<boolean>;
  /** Sets up what an organization created through better-auth needs (settings, event). */
  onOrganizationCreated: (org: {
    id: string;
    name: string;
    slug: string;
    ownerUserId: string;
  }) => Promise<void>;
  /**
   * Writes a catalogue event about an organization (invitations, role changes better-auth made)
   * to the outbox, in a transaction of that organization.
   */
  emitOrganizationEvent: <P>(
    orgId: string,
    event: TEventDefinition<P>,
    payload: P,
  ) => Promise<void>;
  /** Sessions also go to Redis when configured (read from there first). */
  redis?: Redis | undefined;
  /** Names of the organizations whose only owner this user is. */
  soleOwnerships: (userId: string) => Promise<string[]>;
  /** The organization a new session starts in: the user's only one, else none (they choose). */
  defaultOrganization: (userId: string) => Promise<string | undefined>;
  /** A session a superadmin impersonated through is about to go (sign-out, revocation, expiry). */
  onImpersonationSessionEnding?: (session: { id: string }) => Promise<void>;
  /** Encrypts what better-auth keeps at rest (TOTP secrets, JWT keys, OAuth tokens). */
  keyring: Keyring;
};

/** Lower-cased; about 49,000 passwords from leaks (zxcvbn-ts's list). */
const commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** A time zone the runtime knows (IANA name) and a well-formed BCP 47 locale, when given. */
function profileProblem(
  body: Record<string, unknown>,
): { code: string; message: string } | undefined {
  const { timeZone, locale } = body;
  if (timeZone !== undefined && timeZone !== null) {
    try {
      if (typeof timeZone !== 'string') throw new TypeError('not a string');
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      return {
        code: 'INVALID_TIME_ZONE',
        message: 'timeZone: expected an IANA time zone such as Europe/Paris.',
      };
    }
  }
  if (locale !== undefined && locale !== null) {
    try {
      if (typeof locale !== 'string' || locale.length > 35) throw new TypeError('not a tag');
      Intl.getCanonicalLocales(locale);
    } catch {
      return { code: 'INVALID_LOCALE', message: 'locale: expected a language tag such as fr-FR.' };
    }
  }
  return undefined;
}

/** What an after hook sees: the endpoint's path and context, its answer in `returned`. */
type TAfterHookContext = HookEndpointContext & {
  path: string;
  context: { newSession: { user: object } | null };
};

/** Endpoints that sign in through an OAuth or OpenID Connect provider. */
const providerSignInPaths = new Set(['/sign-in/social', '/callback/:id']);

const passwordFields: Record<string, string> = {
  '/sign-up/email': 'password',
  '/reset-password': 'newPassword',
  '/change-password': 'newPassword',
  '/set-password': 'newPassword',
};

/** Google and GitHub, each when its client id and secret are configured. */
function socialProvidersOf(config: TConfig) {
  return {
    ...(config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET
      ? {
          google: {
            clientId: config.GOOGLE_CLIENT_ID,
            clientSecret: config.GOOGLE_CLIENT_SECRET,
            prompt: 'select_account' as const,
          },
        }
      : {}),
    ...(config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET
      ? {
          github: { clientId: config.GITHUB_CLIENT_ID, clientSecret: config.GITHUB_CLIENT_SECRET },
        }
      : {}),
  };
}

/**
 * An OpenID Connect provider: endpoints from its discovery document, authorization code with
 * PKCE, and ID tokens verified against its JWKS (issuer, audience, nonce) or it is not used.
 */
function oidcProviderOf(provider: TOidcProvider) {
  return {
    providerId: provider.id,
    name: provider.name ?? provider.id,
    discoveryUrl: `${provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    requireIdTokenVerification: true,
    clientId: provider.clientId,
    ...(provider.clientSecret ? { clientSecret: provider.clientSecret } : {}),
    scopes: provider.scopes ?? ['openid', 'email', 'profile'],
    pkce: true,
    // Sign-out ends our session only: the provider's logout URL would carry the raw ID token
    // (id_token_hint) to whoever signs out, an impersonating superadmin included.
    disableProviderLogout: true,
    // OpenID Connect's claim is email_verified; better-auth reads emailVerified.
    mapProfileToUser: (profile: Record<string, unknown>) => {
      const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
      const email = str(profile.email);
      // A provider vouches only for the domains it is configured for (when they are listed):
      // another company's IdP cannot verify, and so link into, an address of ours.
      const domain = email?.split('@').pop()?.toLowerCase();
      const authoritative =
        !provider.emailDomains || (domain !== undefined && provider.emailDomains.includes(domain));
      return {
        emailVerified:
          authoritative && (profile.email_verified === true || profile.email_verified === 'true'),
        name:
          str(profile.name) ?? str(profile.preferred_username) ?? email?.split('@')[0] ?? 'User',
        ...(str(profile.picture) ? { image: str(profile.picture) } : {}),
      };
    },
  };
}

/**
 * better-auth on our own tables: its models are mapped onto users, sessions, accounts,
 * verifications, organizations, memberships and invitations (platform tables, snake_case
 * columns, UUIDv7 ids). Its own rate limiter is off: ours (@fastify/rate-limit) covers its routes.
 */
export function createAuth({
  config,
  db,
  mailer,
  recordSecurityEvent,
  logger,
  lockout,
  soleOwnerships,
  onOrganizationCreated,
  emitOrganizationEvent,
  redis,
  knownDevice,
  defaultOrganization,
  onImpersonationSessionEnding,
  keyring,
}: TAuthDeps) {
  const announce = async <P>(orgId: string, event: TEventDefinition<P>, payload: P) => {
    try {
      await emitOrganizationEvent(orgId, event, payload);
    } catch (error) {
      logger.error(
        { err: error, event: event.name, orgId },
        'could not record an organization event',
      );
    }
  };
  /** Mails the user when a sign-in comes from a user agent none of their other sessions has. */
  const alertOnNewDevice = async (
    user: { id: string; email: string; name: string },
    session: { id: string; userAgent?: string | null; ipAddress?: string | null },
  ) => {
    const device = session.userAgent ?? '';
    if (device && (await knownDevice(user.id, session.id, device))) return;
    await mailer.send(
      newSignInEmail(user.email, user.name, {
        when: new Date(),
        device: device || 'an unknown device',
        ip: session.ipAddress ?? 'an unknown address',
        resetUrl: `${config.PUBLIC_URL}/reset-password`,
      }),
    );
  };
  const idleSeconds = config.AUTH_SESSION_IDLE_HOURS * 60 * 60;
  const maxMs = config.AUTH_SESSION_MAX_DAYS * 86_400_000;
  const callers = new WeakMap<
    Request,
    { userId: string; activeOrganizationId: string | null; twoFactorEnabled: boolean }
  >();
  /** Whose second factor a request is about, when it has no session (yet). */
  const challenged = new WeakMap<Request, string>();
  /** The provider of the account an unlink-account call removes (it names only the row id). */
  const unlinking = new WeakMap<Request, string>();
  /*
   * Runs after every endpoint, as the last plugin: after the two-factor plugin has turned a
   * password sign-in into a challenge (no session yet), so what it records is what happened.
   */
  const afterEndpoint = createAuthMiddleware(async (ctx) => {
    const caller = ctx.request ? callers.get(ctx.request) : undefined;
    const signedIn = ctx.context.newSession;
    const returned = ctx.context.returned;
    const event = securityEventOf({
      path: ctx.path,
      returned,
      // A provider callback is about the person it signed in (or challenged), even in a browser
      // already signed in as someone else; a link keeps the caller.
      userId:
        (ctx.path === '/callback/:id'
          ? (signedIn?.user.id ?? (ctx.request ? challenged.get(ctx.request) : undefined))
          : undefined) ??
        caller?.userId ??
        signedIn?.user.id ??
        (ctx.request ? challenged.get(ctx.request) : undefined) ??
        null,
      hadSession: caller !== undefined,
      callerTwoFactorEnabled: caller?.twoFactorEnabled ?? false,
      activeOrganizationId: caller?.activeOrganizationId ?? null,
      body: {
        ...(ctx.body as Record<string, unknown> | undefined),
        ...(ctx.request && unlinking.has(ctx.request)
          ? { providerId: unlinking.get(ctx.request) }
          : {}),
      },
      headers: ctx.request?.headers ?? ctx.headers,
      provider:
        ctx.path === '/callback/:id'
          ? (ctx.params as { id?: string } | undefined)?.id
          : typeof (ctx.body as { provider?: unknown } | undefined)?.provider === 'string'
            ? (ctx.body as { provider: string }).provider
            : undefined,
      signedIn: signedIn !== null && signedIn !== undefined,
    });
    if (event) await recordSecurityEvent(event);
    // A member of one organization acts in it from the first request of a new session.
    if (
      signedIn &&
      !(signedIn.session as { activeOrganizationId?: string | null }).activeOrganizationId
    ) {
      const organizationId = await defaultOrganization(signedIn.user.id);
      if (organizationId) {
        await ctx.context.internalAdapter.updateSession(signedIn.session.token, {
          activeOrganizationId: organizationId,
        });
      }
    }
    const email = (ctx.body as { email?: unknown } | undefined)?.email;
    if (ctx.path === '/sign-in/email' && typeof email === 'string') {
      if (!isAPIError(returned)) {
        // The password was right, even when a second factor is still to come.
        await lockout.clear(email);
      } else if (returned.body?.code === 'INVALID_EMAIL_OR_PASSWORD') {
        await lockout.recordFailure(email);
      }
    }
    if (ctx.path === '/two-factor/verify-totp' && !isAPIError(returned)) {
      const userId =
        caller?.userId ??
        (ctx.request ? challenged.get(ctx.request) : undefined) ??
        signedIn?.user.id;
      const code = (ctx.body as { code?: unknown } | undefined)?.code;
      if (userId && typeof code === 'string') {
        // Kept past the window in which better-auth would accept the code again.
        await ctx.context.internalAdapter.createVerificationValue({
          identifier: usedTotpIdentifier(userId, code),
          value: userId,
          expiresAt: new Date(Date.now() + 120_000),
        });
      }
    }
    // A sign-in that completed (the password alone, or the second factor after it).
    const completesSignIn =
      ctx.path === '/sign-in/email' ||
      ctx.path === '/sign-in/social' ||
      ctx.path === '/callback/:id' ||
      (!caller &&
        (ctx.path === '/two-factor/verify-totp' || ctx.path === '/two-factor/verify-backup-code'));
    if (completesSignIn && signedIn && !isAPIError(returned)) {
      await alertOnNewDevice(signedIn.user, signedIn.session);
    }
  });
  const twoFactorPlugin = twoFactor({
    issuer: 'Corebase',
    // "Trust this device": no second factor from it for 30 days (refreshed at each sign-in).
    trustDeviceMaxAge: 60 * 60 * 24 * 30,
    backupCodeOptions: {
      customBackupCodesGenerate: generateBackupCodes,
      storeBackupCodes: hashedBackupCodes,
    },
    schema: { twoFactor: { modelName: 'twoFactors' } },
  });
  /** The plugin's own sign-in challenge (trusted device, challenge cookie, no session yet). */
  const challengeSecondFactor = twoFactorPlugin.hooks.after[0]!.handler;
  const auth = betterAuth({
    appName: 'Corebase',
    baseURL: config.PUBLIC_URL,
    basePath: authBasePath,
    secret: config.AUTH_SECRET,
    secrets: betterAuthSecrets(keyring),
    trustedOrigins: trustedOrigins(config),
    telemetry: { enabled: false },
    // Into our pino logs (redacted, with levels), not better-auth's own console output.
    logger: {
      log: (level, message, ...args) =>
        logger[level === 'debug' ? 'debug' : level]({ component: 'better-auth', args }, message),
    },
    rateLimit: { enabled: false },
    // Sign-ups racing for one address answer like a sign-up of a taken address (adapter-errors.ts).
    database: answerDatabaseRefusals(
      drizzleAdapter(db, {
        provider: 'pg',
        schema: {
          users,
          sessions,
          accounts,
          verifications,
          organizations,
          memberships,
          invitations,
          organizationRoles,
          twoFactors,
          jwks,
        },
      }),
    ),
    user: {
      modelName: 'users',
      // Changing the address takes both mailboxes: the current one approves, the new one verifies.
      changeEmail: {
        enabled: true,
        sendChangeEmailConfirmation: async ({ user, newEmail, url }) => {
          await mailer.send(changeEmailConfirmation(user.email, user.name, newEmail, url));
        },
      },
      deleteUser: {
        enabled: true,
        // An organization must never be left without an owner.
        beforeDelete: async (user) => {
          const orgs = await soleOwnerships(user.id);
          if (orgs.length > 0) {
            throw new APIError('BAD_REQUEST', {
              code: 'LAST_OWNER',
              message: `You are the only owner of ${orgs.map((o) => `"${o}"`).join(', ')}: transfer ownership or delete the organization first.`,
            });
          }
        },
      },
      additionalFields: {
        /*
         * 'admin' marks a platform superadmin (the column better-auth's admin plugin uses). The
         * plugin itself is not mounted: its endpoints (impersonation, set-role, set-password,
         * remove-user) would bypass our audit and owner rules; they arrive, audited, later.
         */
        role: { type: 'string', required: false, input: false, defaultValue: 'user' },
        timeZone: { type: 'string', required: false },
        locale: { type: 'string', required: false },
      },
    },
    ...(redis ? { secondaryStorage: redisSecondaryStorage(redis) } : {}),
    session: {
      modelName: 'sessions',
      // With Redis as secondary storage, sessions are still written to PostgreSQL.
      storeSessionInDatabase: true,
      // Idle expiry: each use (at most one write per updateAge) moves the end this far out...
      expiresIn: idleSeconds,
      updateAge: Math.min(60 * 60, Math.floor(idleSeconds / 4)),
      // Sensitive actions without the password (deleting the account) need a sign-in this recent.
      freshAge: 60 * 10,
      additionalFields: {
        // The superadmin acting through this session (our impersonation routes set it; the
        // impersonations table says until when). Never from a client.
        impersonatedBy: { type: 'string', required: false, input: false },
      },
    },
    // ...and never past the absolute end, AUTH_SESSION_MAX_DAYS after the sign-in.
    databaseHooks: {
      user: {
        create: {
          // A provider's word alone never creates an account: with an unverified address it
          // would get a session (password sign-ups do not) and keep a claim on the address after
          // its owner verifies it. The person signs up with a password, or verifies there first.
          before: async (user, ctx) => {
            if (ctx && providerSignInPaths.has(ctx.path ?? '') && !user.emailVerified) {
              throw new APIError('FORBIDDEN', {
                code: 'EMAIL_NOT_VERIFIED',
                message:
                  'The provider has not verified this email address: verify it there, or sign up with a password.',
              });
            }
            return undefined;
          },
        },
      },
      // A provider joined to a user (at their first sign-in with it, by a verified address, or
      // from the account page) is a new way into the account: audited.
      account: {
        create: {
          after: async (account, ctx) => {
            if (account.providerId === 'credential') return;
            const headers = ctx?.request?.headers ?? ctx?.headers;
            await recordSecurityEvent({
              orgId: null,
              actor: { type: 'user', id: account.userId },
              action: 'auth.sign_in_method_added',
              target: { type: 'user', id: account.userId },
              after: { providerId: account.providerId, accountId: account.accountId },
              context: {
                ip: headers?.get('x-corebase-client-ip') ?? undefined,
                userAgent: headers?.get('user-agent') ?? undefined,
                requestId: headers?.get('x-request-id') ?? undefined,
              },
            });
          },
        },
      },
      session: {
        create: {
          before: async (session) => {
            const cap = new Date(Date.now() + maxMs);
            return session.expiresAt > cap ? { data: { ...session, expiresAt: cap } } : undefined;
          },
        },
        update: {
          before: async (changes, ctx) => {
            // A refused set-active would clear the active organization (set-active-guard.ts).
            if (isRefusedSwitchClearing(changes, ctx)) return false;
            // A refresh runs inside get-session, which has loaded the session it extends.
            const loaded = (
              ctx?.context as
                | {
                    session?: {
                      session?: {
                        createdAt?: Date | string;
                        expiresAt?: Date | string;
                        impersonatedBy?: string | null;
                      };
                    };
                  }
                | undefined
            )?.session?.session;
            const signedInAt = loaded?.createdAt;
            const expiresAt = (changes as { expiresAt?: Date }).expiresAt;
            if (!expiresAt || !signedInAt) return undefined;
            let cap = new Date(new Date(signedInAt).getTime() + maxMs);
            // An impersonation ends when it was told to, however much its session is used.
            if (loaded.impersonatedBy && loaded.expiresAt) {
              const end = new Date(loaded.expiresAt);
              if (end < cap) cap = end;
            }
            return expiresAt > cap ? { data: { ...changes, expiresAt: cap } } : undefined;
          },
        },
        // Before, while the impersonation still names its session: it is ended with it.
        delete: {
          before: async (session) => {
            if (!(session as { impersonatedBy?: string | null }).impersonatedBy) return;
            try {
              await onImpersonationSessionEnding?.({ id: session.id });
            } catch (error) {
              // The session goes anyway, and the access with it; the impersonation's end is then
              // recorded when it expires.
              logger.error({ err: error, sessionId: session.id }, 'ending an impersonation failed');
            }
          },
        },
      },
    },
    socialProviders: socialProvidersOf(config),
    account: {
      modelName: 'accounts',
      // Provider tokens are kept encrypted (better-auth's versioned secrets), never in clear.
      encryptOAuthTokens: true,
      accountLinking: {
        // A provider account joins the existing user of the same address only when both sides
        // have verified it: the provider says so, and the user here confirmed it by mail.
        enabled: true,
        requireLocalEmailVerified: true,
        // The last way to sign in cannot be unlinked.
        allowUnlinkingAll: false,
      },
    },
    // A failed provider sign-in lands on our sign-in page, which explains `?error=`.
    onAPIError: { errorURL: `${config.PUBLIC_URL}/sign-in` },
    verification: { modelName: 'verifications' },
    advanced: {
      database: { generateId: () => newId() },
      useSecureCookies: config.PUBLIC_URL.startsWith('https://'),
      // Set by auth.routes from request.ip, which honours TRUST_PROXY; never the client's own word.
      ipAddress: { ipAddressHeaders: ['x-corebase-client-ip'] },
    },
    emailAndPassword: {
      enabled: true,
      // Sign-in waits for a verified address. It also makes sign-up answer a taken address exactly
      // as a new one (no session either way), so sign-up cannot be used to find accounts.
      requireEmailVerification: true,
      minPasswordLength: 10,
      maxPasswordLength: 128,
      autoSignIn: true,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: 60 * 60,
      password: {
        hash: (password) => hash(password),
        verify: ({ hash: digest, password }) => verify(digest, password),
      },
      // The reset link reached the mailbox: that also lifts a sign-in lock on the address.
      onPasswordReset: async ({ user }) => {
        await lockout.clear(user.email);
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
    hooks: {
      // Runs before the plugins' own: a password sign-in the two-factor plugin will turn into a
      // challenge still shows whose it is here.
      after: createAuthMiddleware(async (ctx) => {
        const user = ctx.context.newSession?.user;
        if (ctx.request && signInPaths.has(ctx.path) && user) {
          challenged.set(ctx.request, user.id);
        }
      }),
      // Sign-out does not load the session it ends: remember whose it was for the audit entry.
      before: createAuthMiddleware(async (ctx) => {
        const body = (ctx.body ?? {}) as Record<string, unknown>;
        const passwordField = passwordFields[ctx.path];
        const password = passwordField ? body[passwordField] : undefined;
        if (typeof password === 'string' && commonPasswords.has(password.toLowerCase())) {
          throw new APIError('BAD_REQUEST', {
            code: 'PASSWORD_TOO_COMMON',
            message: 'This password appears in lists of leaked passwords; choose another.',
          });
        }
        // An ID token handed in is a bearer credential anyone who saw it could replay (a logout
        // URL's id_token_hint, a log): only Google's, from its own sign-in button, is taken.
        if (
          ctx.path === '/sign-in/social' &&
          body.idToken !== undefined &&
          body.provider !== 'google'
        ) {
          throw new APIError('BAD_REQUEST', {
            code: 'ID_TOKEN_SIGN_IN_NOT_SUPPORTED',
            message:
              'Sign in with an ID token is for Google only; use the redirect flow (no idToken) for this provider.',
          });
        }
        if (ctx.path === '/update-user' || ctx.path === '/sign-up/email') {
          const problem = profileProblem(body);
          if (problem) throw new APIError('BAD_REQUEST', problem);
        }
        if (ctx.path === '/sign-in/email' && typeof body.email === 'string') {
          const until = await lockout.lockedUntil(body.email);
          if (until) {
            throw new APIError('TOO_MANY_REQUESTS', {
              code: 'ACCOUNT_LOCKED',
              message: `Too many failed sign-ins for this address. Try again after ${until.toISOString()}, or reset the password to unlock it now.`,
            });
          }
        }
        // Endpoints do not all load the caller's session (sign-out ends it): note who is calling.
        if (ctx.request && isAuditedPath(ctx.path)) {
          const session = await getSessionFromCtx(ctx);
          if (session) {
            callers.set(ctx.request, {
              userId: session.user.id,
              twoFactorEnabled:
                (session.user as { twoFactorEnabled?: boolean | null }).twoFactorEnabled === true,
              activeOrganizationId:
                (session.session as { activeOrganizationId?: string | null })
                  .activeOrganizationId ?? null,
            });
          }
        }
        if (ctx.request && ctx.path === '/unlink-account' && typeof body.accountId === 'string') {
          const userId = callers.get(ctx.request)?.userId;
          const account = userId
            ? (await ctx.context.internalAdapter.findAccounts(userId)).find(
                (a) => a.id === body.accountId,
              )
            : undefined;
          if (account) unlinking.set(ctx.request, account.providerId);
        }
        // A code at sign-in comes with the challenge cookie, which names the user.
        if (
          ctx.request &&
          ctx.path.startsWith('/two-factor/verify-') &&
          !callers.has(ctx.request)
        ) {
          const cookie = ctx.context.createAuthCookie('two_factor');
          const identifier = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
          const record = identifier
            ? await ctx.context.internalAdapter.findVerificationValue(identifier)
            : null;
          if (record) challenged.set(ctx.request, record.value);
        }
        // A TOTP code works once (RFC 6238 §5.2): better-auth would take it again in its window.
        if (
          ctx.request &&
          ctx.path === '/two-factor/verify-totp' &&
          typeof body.code === 'string'
        ) {
          const userId = callers.get(ctx.request)?.userId ?? challenged.get(ctx.request);
          const used = userId
            ? await ctx.context.internalAdapter.findVerificationValue(
                usedTotpIdentifier(userId, body.code),
              )
            : null;
          if (used && used.expiresAt > new Date()) {
            throw new APIError('UNAUTHORIZED', {
              code: 'TOTP_CODE_USED',
              message: 'This code was used already: wait for the next one from your app.',
            });
          }
        }
        // A changed password ends every other session, whatever the client asked.
        if (ctx.path === '/change-password') {
          return { context: { body: { ...body, revokeOtherSessions: true } } };
        }
        return undefined;
      }),
    },
    plugins: [
      organization({
        // Its own checks (who may invite, change roles) use statements derived from our
        // permissions; custom roles are read from organization_roles, which our roles service
        // writes (its create-role endpoints stay off HTTP).
        ac: accessControl,
        roles: libraryRoles,
        dynamicAccessControl: { enabled: true },
        creatorRole: 'owner',
        invitationExpiresIn: 60 * 60 * 24 * 7,
        sendInvitationEmail: async ({ email, role, organization: org, inviter, id }) => {
          await mailer.send(
            invitationEmail(email, {
              inviter: inviter.user.name,
              organization: org.name,
              role,
              invitationId: id,
              url: `${config.PUBLIC_URL}/invitations/${id}`,
            }),
          );
        },
        organizationHooks: {
          afterCreateOrganization: async ({ organization: org, user }) => {
            await onOrganizationCreated({
              id: org.id,
              name: org.name,
              slug: org.slug,
              ownerUserId: user.id,
            });
          },
          // better-auth has committed these changes when its hooks run: the event follows in its
          // own transaction. A failure is logged, not answered: the change itself is saved.
          afterCreateInvitation: async ({ invitation, inviter }) => {
            await announce(invitation.organizationId, invitationCreated, {
              organizationId: invitation.organizationId,
              invitationId: invitation.id,
              email: invitation.email,
              role: invitation.role,
              inviterUserId: inviter.id,
              expiresAt: new Date(invitation.expiresAt).toISOString(),
            });
          },
          afterAcceptInvitation: async ({ invitation, member }) => {
            await announce(invitation.organizationId, invitationAccepted, {
              organizationId: invitation.organizationId,
              invitationId: invitation.id,
              userId: member.userId,
              role: member.role,
              inviterUserId: invitation.inviterId,
            });
          },
          // Its `user` is the member changed; who changed it is the signed-in caller.
          afterUpdateMemberRole: async ({ member, previousRole, organization: org }) => {
            if (previousRole === member.role) return;
            const caller = tryGetCurrentAuthEndpointContext()?.context.session?.user.id;
            await announce(org.id, memberRoleChanged, {
              organizationId: org.id,
              userId: member.userId,
              previousRole,
              role: member.role,
              byUserId: caller ?? null,
            });
          },
        },
        schema: {
          organization: { modelName: 'organizations' },
          member: { modelName: 'memberships' },
          invitation: { modelName: 'invitations' },
          organizationRole: { modelName: 'organizationRoles' },
        },
      }),
      genericOAuth({ config: (config.OIDC_PROVIDERS ?? []).map(oidcProviderOf) }),
      twoFactorPlugin,
      {
        // A provider sign-in of a user with two-factor on gets the same challenge as a password
        // sign-in (the plugin asks it of password sign-ins only): a taken-over Google or GitHub
        // account alone does not open the account. The browser flow lands on the sign-in
        // page's code step; an ID-token sign-in answers twoFactorRedirect as the password one.
        id: 'corebase-provider-two-factor',
        hooks: {
          after: [
            {
              matcher: (ctx) => ctx.path === '/callback/:id' || ctx.path === '/sign-in/social',
              // A plain hook, not a middleware: the hook runner's context returns the headers
              // (the challenge cookie) of the plugin's handler called with it.
              handler: (async (ctx: TAfterHookContext) => {
                const user = ctx.context.newSession?.user as
                  { twoFactorEnabled?: boolean | null } | undefined;
                if (!user?.twoFactorEnabled) return {};
                const result = (await challengeSecondFactor(ctx)) as
                  { headers?: Headers; response?: unknown } | undefined;
                if (ctx.path !== '/callback/:id' || ctx.context.newSession !== null) {
                  return result ?? {};
                }
                const headers = new Headers(result?.headers);
                headers.set('location', `${config.PUBLIC_URL}/sign-in?two-factor=required`);
                return { headers, response: new APIError('FOUND', undefined, headers) };
              }) as unknown as typeof challengeSecondFactor,
            },
          ],
        },
      },
      jwt({
        // Short-lived access tokens for API clients: GET /v1/auth/token with a session.
        jwt: {
          expirationTime: '15m',
          definePayload: ({ user, session }) => ({
            email: user.email,
            activeOrganizationId:
              (session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null,
          }),
        },
        // A new signing key every 30 days; the old one still verifies for the grace period.
        jwks: { rotationInterval: 60 * 60 * 24 * 30, gracePeriod: 60 * 60 * 24 * 7 },
        disableSettingJwtHeader: true,
        schema: { jwks: { modelName: 'jwks' } },
      }),
      bearer(),
      // Its document is merged into /v1/openapi.json; its own reference page (which loads a
      // script from a CDN) stays off.
      openAPI({ disableDefaultReference: true }),
      {
        id: 'corebase-after-hooks',
        hooks: { after: [{ matcher: () => true, handler: afterEndpoint }] },
      },
    ],
  });
  /*
   * With `secrets` set, better-auth also signs cookies (session, two-factor challenge, trusted
   * device) and email-verification tokens with secrets[0]: a key rotation would sign everyone
   * out. Signing stays on AUTH_SECRET. Every request and auth.api call reads `secret` from this
   * one context object (copied per request after it resolves), and this callback, registered
   * first, runs before any of them can see it.
   */
  void auth.$context.then(
    (context) => {
      context.secret = config.AUTH_SECRET;
    },
    // A failed start is reported where the context is awaited (the first request, authOpenApi).
    () => undefined,
  );
  return auth;
}

export type Auth = ReturnType<typeof createAuth>;

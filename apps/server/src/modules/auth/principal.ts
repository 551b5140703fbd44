import { fromNodeHeaders } from 'better-auth/node';
import type { Auth } from '#server/modules/auth/auth';
import type { IdentityService } from '#server/modules/identity/identity.service';
import type { ImpersonationService } from '#server/modules/impersonation/impersonation.service';
import type { RolesService } from '#server/modules/identity/roles.service';
import { isApiKeyLike, type ApiKeysService } from '#server/modules/api-keys/api-keys.service';
import { requestContextOf } from '#server/platform/http/request-context';
import type { FastifyRequest } from 'fastify';
import type { SettingsService } from '#server/modules/settings/settings.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import type { TAuthenticate, TPrincipal } from '#server/platform/http/app';

type TDeps = {
  identity: IdentityService;
  roles: RolesService;
  apiKeys: ApiKeysService;
  tenancy: Tenancy;
};

/** An API key in `X-API-Key`, or as a bearer token that looks like one; undefined otherwise. */
function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return bearer && isApiKeyLike(bearer) ? bearer : undefined;
}

/**
 * An API key acts in its organization with its permissions, and never beyond what its creator
 * may do there today: a creator who lost a permission, or left, takes it from the key too.
 */
async function authenticateApiKey(
  deps: TDeps,
  request: FastifyRequest,
  presented: string,
): Promise<TPrincipal | null> {
  const key = await deps.tenancy.withPlatform((tx) => deps.apiKeys.verify(tx, presented));
  if (!key?.createdBy) return null;
  const creatorId = key.createdBy;
  const creator = await deps.tenancy.withTenant(key.organizationId, async (tx) => {
    const membership = await deps.identity.findMembership(tx, key.organizationId, creatorId);
    if (!membership) return undefined;
    const granted = (await deps.roles.permissionsOf(tx, key.organizationId, membership.role)) ?? [];
    await deps.apiKeys.recordUse(tx, key, requestContextOf(request));
    return { granted, frozen: membership.deletedAt !== null };
  });
  if (!creator) return null;
  return {
    userId: creatorId,
    sessionId: null,
    orgId: key.organizationId,
    role: null,
    permissions: new Set(
      creator.frozen ? [] : key.permissions.filter((p) => creator.granted.includes(p)),
    ),
    superadmin: false,
    twoFactorEnabled: false,
    via: 'api_key',
    apiKeyId: key.id,
    ...(creator.frozen
      ? { notice: 'This organization is scheduled for deletion; an owner can restore it.' }
      : {}),
  };
}

type TAuthenticatorDeps = TDeps & {
  auth: Auth;
  settings: SettingsService;
  /** The running impersonation of a session marked `impersonatedBy`: the source of its end. */
  impersonations?: Pick<ImpersonationService, 'activeForSession'>;
};

/**
 * The user's standing in their active organization: the role's permissions, narrowed while the
 * organization is being deleted, or while it requires a second factor the user has not set up.
 */
async function standingIn(
  deps: TAuthenticatorDeps,
  user: { id: string; twoFactorEnabled: boolean },
  activeOrgId: string | null | undefined,
): Promise<Pick<TPrincipal, 'orgId' | 'role' | 'permissions' | 'notice'>> {
  const membership = activeOrgId
    ? await deps.tenancy.withTenant(activeOrgId, async (tx) => {
        const found = await deps.identity.findMembership(tx, activeOrgId, user.id);
        if (!found) return undefined;
        // A role deleted or unknown grants nothing (the roles service refuses to delete one in use).
        const granted = await deps.roles.permissionsOf(tx, activeOrgId, found.role);
        const settings = await deps.settings.get(tx, activeOrgId);
        return { ...found, granted: granted ?? [], requireTwoFactor: settings.requireTwoFactor };
      })
    : undefined;
  let permissions: ReadonlySet<string> = new Set(membership?.granted ?? []);
  let notice: string | undefined;
  // While its deletion is pending an organization is frozen: only restoring it is allowed.
  if (membership?.deletedAt) {
    permissions = new Set([...permissions].filter((p) => p === 'organization:delete'));
    notice = 'This organization is scheduled for deletion; an owner can restore it.';
  } else if (membership?.requireTwoFactor && !user.twoFactorEnabled) {
    // The account itself (turning two-factor on included) stays reachable: it needs no permission.
    permissions = new Set();
    notice =
      'This organization requires two-factor authentication: turn it on for your account first (POST /v1/auth/two-factor/enable).';
  }
  return {
    // A session pointing at an organization the user has left acts in none.
    orgId: membership ? (activeOrgId ?? null) : null,
    role: membership?.role ?? null,
    permissions,
    ...(notice ? { notice } : {}),
  };
}

/** A bearer token of three dot-separated parts: a JWT (session tokens have two). */
const jwtOf = (request: FastifyRequest): string | undefined => {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return token && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token) ? token : undefined;
};

/**
 * Resolves the caller from an API key, a JWT access token, or better-auth's session (cookie, or
 * `Authorization: Bearer <session token>` through the bearer plugin), and their role in the
 * active organization.
 */
export function createAuthenticator(deps: TAuthenticatorDeps): TAuthenticate {
  return async (request) => {
    const presented = apiKeyOf(request);
    if (presented !== undefined) return authenticateApiKey(deps, request, presented);
    const token = jwtOf(request);
    if (token !== undefined) {
      // Signature (the JWKS keys), expiry, issuer and audience, checked by better-auth's jwt plugin.
      const verified = await deps.auth.api.verifyJWT({ body: { token } }).catch(() => null);
      const claims = verified?.payload as
        { sub?: string; activeOrganizationId?: string | null } | null | undefined;
      if (!claims?.sub) return null;
      const user = await deps.tenancy.withPlatform((tx) =>
        deps.identity.findUserById(tx, claims.sub!),
      );
      if (!user) return null;
      return {
        userId: user.id,
        sessionId: null,
        ...(await standingIn(deps, user, claims.activeOrganizationId)),
        superadmin: false,
        twoFactorEnabled: user.twoFactorEnabled,
        via: 'jwt',
      };
    }
    const session = await deps.auth.api.getSession({ headers: fromNodeHeaders(request.headers) });
    if (!session) return null;
    let impersonatedBy: TPrincipal['impersonatedBy'];
    if ((session.session as { impersonatedBy?: string | null }).impersonatedBy) {
      // Stopped or past its end, an impersonation's session is no session at all.
      const running = await deps.impersonations?.activeForSession(session.session.id);
      if (!running) return null;
      impersonatedBy = {
        impersonatorId: running.adminUserId,
        impersonationId: running.id,
        expiresAt: running.expiresAt,
      };
    }
    const twoFactorEnabled =
      (session.user as { twoFactorEnabled?: boolean | null }).twoFactorEnabled === true;
    return {
      userId: session.user.id,
      sessionId: session.session.id,
      ...(await standingIn(
        deps,
        { id: session.user.id, twoFactorEnabled },
        (session.session as { activeOrganizationId?: string | null }).activeOrganizationId,
      )),
      superadmin: !impersonatedBy && (session.user as { role?: string | null }).role === 'admin',
      twoFactorEnabled,
      via: /^Bearer\s/i.test(request.headers.authorization ?? '') ? 'bearer' : 'cookie',
      ...(impersonatedBy ? { impersonatedBy } : {}),
    };
  };
}

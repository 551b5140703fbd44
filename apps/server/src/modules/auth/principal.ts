import { rolePermissions, type TBuiltInRole, type TPermission } from '@corebase/contracts';
import { fromNodeHeaders } from 'better-auth/node';
import type { Auth } from '#server/modules/auth/auth';
import type { IdentityService } from '#server/modules/identity/identity.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import type { TAuthenticate, TPrincipal } from '#server/platform/http/app';

/** The permissions of a role name; unknown roles (a custom role arrives later) grant nothing. */
export function permissionsOf(role: string | undefined): ReadonlySet<TPermission> {
  return new Set(role && role in rolePermissions ? rolePermissions[role as TBuiltInRole] : []);
}

/**
 * Resolves the caller from better-auth's session (cookie, or `Authorization: Bearer <session
 * token>` through the bearer plugin), and their role in the session's active organization.
 */
export function createAuthenticator(deps: {
  auth: Auth;
  identity: IdentityService;
  tenancy: Tenancy;
}): TAuthenticate {
  return async (request) => {
    const session = await deps.auth.api.getSession({ headers: fromNodeHeaders(request.headers) });
    if (!session) return null;
    const userId = session.user.id;
    const activeOrgId = (session.session as { activeOrganizationId?: string | null })
      .activeOrganizationId;
    const membership = activeOrgId
      ? await deps.tenancy.withPlatform((tx) =>
          deps.identity.findMembership(tx, activeOrgId, userId),
        )
      : undefined;
    const role = membership?.role;
    let permissions = permissionsOf(role);
    // While its deletion is pending an organization is frozen: only restoring it is allowed.
    if (membership?.deletedAt) {
      permissions = new Set([...permissions].filter((p) => p === 'organization:delete'));
    }
    const principal: TPrincipal = {
      userId,
      sessionId: session.session.id,
      // A session pointing at an organization the user has left acts in none.
      orgId: role ? (activeOrgId ?? null) : null,
      role: role ?? null,
      permissions,
      superadmin: (session.user as { role?: string | null }).role === 'admin',
      via: /^Bearer\s/i.test(request.headers.authorization ?? '') ? 'bearer' : 'cookie',
      ...(membership?.deletedAt
        ? { notice: 'This organization is scheduled for deletion; an owner can restore it.' }
        : {}),
    };
    return principal;
  };
}

import { fromNodeHeaders } from 'better-auth/node';
import type { Auth } from '#server/modules/auth/auth';
import type { IdentityService } from '#server/modules/identity/identity.service';
import type { RolesService } from '#server/modules/identity/roles.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import type { TAuthenticate, TPrincipal } from '#server/platform/http/app';

/**
 * Resolves the caller from better-auth's session (cookie, or `Authorization: Bearer <session
 * token>` through the bearer plugin), and their role in the session's active organization.
 */
export function createAuthenticator(deps: {
  auth: Auth;
  identity: IdentityService;
  roles: RolesService;
  tenancy: Tenancy;
}): TAuthenticate {
  return async (request) => {
    const session = await deps.auth.api.getSession({ headers: fromNodeHeaders(request.headers) });
    if (!session) return null;
    const userId = session.user.id;
    const activeOrgId = (session.session as { activeOrganizationId?: string | null })
      .activeOrganizationId;
    const membership = activeOrgId
      ? await deps.tenancy.withPlatform(async (tx) => {
          const found = await deps.identity.findMembership(tx, activeOrgId, userId);
          // A role deleted or unknown grants nothing (the roles service refuses to delete one in use).
          const granted = found
            ? await deps.roles.permissionsOf(tx, activeOrgId, found.role)
            : undefined;
          return found ? { ...found, granted: granted ?? [] } : undefined;
        })
      : undefined;
    const role = membership?.role;
    let permissions: ReadonlySet<string> = new Set(membership?.granted ?? []);
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

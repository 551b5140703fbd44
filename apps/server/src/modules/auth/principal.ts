import { fromNodeHeaders } from 'better-auth/node';
import type { Auth } from '#server/modules/auth/auth';
import type { IdentityService } from '#server/modules/identity/identity.service';
import type { RolesService } from '#server/modules/identity/roles.service';
import type { SettingsService } from '#server/modules/settings/settings.service';
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
  settings: SettingsService;
  tenancy: Tenancy;
}): TAuthenticate {
  return async (request) => {
    const session = await deps.auth.api.getSession({ headers: fromNodeHeaders(request.headers) });
    if (!session) return null;
    const userId = session.user.id;
    const activeOrgId = (session.session as { activeOrganizationId?: string | null })
      .activeOrganizationId;
    const twoFactorEnabled =
      (session.user as { twoFactorEnabled?: boolean | null }).twoFactorEnabled === true;
    const membership = activeOrgId
      ? await deps.tenancy.withTenant(activeOrgId, async (tx) => {
          const found = await deps.identity.findMembership(tx, activeOrgId, userId);
          if (!found) return undefined;
          // A role deleted or unknown grants nothing (the roles service refuses to delete one in use).
          const granted = await deps.roles.permissionsOf(tx, activeOrgId, found.role);
          const settings = await deps.settings.get(tx, activeOrgId);
          return { ...found, granted: granted ?? [], requireTwoFactor: settings.requireTwoFactor };
        })
      : undefined;
    const role = membership?.role;
    let permissions: ReadonlySet<string> = new Set(membership?.granted ?? []);
    let notice: string | undefined;
    // While its deletion is pending an organization is frozen: only restoring it is allowed.
    if (membership?.deletedAt) {
      permissions = new Set([...permissions].filter((p) => p === 'organization:delete'));
      notice = 'This organization is scheduled for deletion; an owner can restore it.';
    } else if (membership?.requireTwoFactor && !twoFactorEnabled) {
      // The account itself (turning two-factor on included) stays reachable: it needs no permission.
      permissions = new Set();
      notice =
        'This organization requires two-factor authentication: turn it on for your account first (POST /v1/auth/two-factor/enable).';
    }
    const principal: TPrincipal = {
      userId,
      sessionId: session.session.id,
      // A session pointing at an organization the user has left acts in none.
      orgId: role ? (activeOrgId ?? null) : null,
      role: role ?? null,
      permissions,
      superadmin: (session.user as { role?: string | null }).role === 'admin',
      twoFactorEnabled,
      via: /^Bearer\s/i.test(request.headers.authorization ?? '') ? 'bearer' : 'cookie',
      ...(notice ? { notice } : {}),
    };
    return principal;
  };
}

/**
 * better-auth's set-active clears the session's active organization before it refuses one the
 * caller is not a member of (or that does not exist): a mistaken or probing switch would leave
 * the caller with no organization, and every organization route refused. That clearing is the
 * only session update set-active makes with `activeOrganizationId: null` unless the body asked
 * for exactly that (`organizationId: null`); it is skipped, so a refusal changes nothing, for a
 * cookie or a bearer session alike.
 */
export function isRefusedSwitchClearing(
  changes: Record<string, unknown>,
  ctx: { path?: string | undefined; body?: unknown } | null | undefined,
): boolean {
  if (ctx?.path !== '/organization/set-active') return false;
  if (!('activeOrganizationId' in changes) || changes.activeOrganizationId !== null) return false;
  const body = ctx.body as { organizationId?: unknown } | null | undefined;
  return body?.organizationId !== null;
}

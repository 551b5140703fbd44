import { APIError, getSessionFromCtx } from 'better-auth/api';

/**
 * better-auth's set-active clears the session's active organization before it refuses one the
 * caller is not a member of (or that does not exist): a mistaken or probing switch would leave the
 * caller with no organization, and every organization route refused. Refused here first, with the
 * library's own answer, so a refusal changes nothing.
 */
export async function refuseForeignActiveOrganization(
  ctx: Parameters<typeof getSessionFromCtx>[0],
  body: Record<string, unknown>,
): Promise<void> {
  let organizationId = body.organizationId;
  const slug = body.organizationSlug;
  if (typeof organizationId !== 'string' && typeof slug === 'string') {
    const organization = await ctx.context.adapter.findOne<{ id: string }>({
      model: 'organization',
      where: [{ field: 'slug', value: slug }],
    });
    // An unknown slug: the library answers it without touching the session.
    if (!organization) return;
    organizationId = organization.id;
  }
  // null (unset it) and no id at all (keep the current one) are the library's to handle.
  if (typeof organizationId !== 'string') return;
  const session = await getSessionFromCtx(ctx);
  if (!session) return; // the library answers 401
  const membership = await ctx.context.adapter.findOne({
    model: 'member',
    where: [
      { field: 'userId', value: session.user.id },
      { field: 'organizationId', value: organizationId },
    ],
  });
  if (!membership) {
    throw new APIError('FORBIDDEN', {
      code: 'USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION',
      message:
        'You are not a member of this organization; your active organization stays as it was.',
    });
  }
}

import { ZMemberParams, ZOrganization, ZScheduleDeletionBody } from '@corebase/contracts';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { IdentityService, TOrganizationView } from '#server/modules/identity/identity.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import { requestContextOf } from '#server/platform/http/request-context';

const present = (org: TOrganizationView) => ({
  ...org,
  createdAt: org.createdAt.toISOString(),
  deletedAt: org.deletedAt?.toISOString() ?? null,
  purgeAfter: org.purgeAfter?.toISOString() ?? null,
});

/** The active organization: read it, delete it (with a grace period) and restore it. */
export function organizationRoutes(deps: {
  identity: IdentityService;
  tenancy: Tenancy;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/organization',
      {
        config: { permission: 'organization:read' },
        schema: {
          tags: ['organizations'],
          operationId: 'getActiveOrganization',
          description:
            "The organization the caller acts in (the session's active one, or an API key's). `deletedAt` and `purgeAfter` are set while a deletion is pending.",
          summary: 'The active organization.',
          response: { 200: ZOrganization },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        return present(
          await deps.tenancy.withTenant(orgId, (tx) => deps.identity.getOrganization(tx, orgId)),
        );
      },
    );

    app.post(
      '/v1/organization/deletion',
      {
        // The owners' decision alone, never a superadmin's acting as one.
        config: { permission: 'organization:delete', refusedWhileImpersonating: true },
        schema: {
          tags: ['organizations'],
          operationId: 'requestOrganizationDeletion',
          description:
            "Refused while impersonating; the body confirms with the organization's slug. The organization is frozen at once (only restoring it is allowed) and purged when the grace period ends.",
          summary: 'Delete the active organization: frozen now, purged after the grace period.',
          body: ZScheduleDeletionBody,
          response: { 202: ZOrganization },
        },
      },
      async (request, reply) => {
        const { orgId, userId } = request.principal!;
        const org = await deps.tenancy.withTenant(orgId!, (tx) =>
          deps.identity.scheduleDeletion(tx, {
            orgId: orgId!,
            userId,
            confirm: request.body.confirm,
          }),
        );
        return reply.status(202).send(present(org));
      },
    );

    app.delete(
      '/v1/organization/deletion',
      {
        config: { permission: 'organization:delete' },
        schema: {
          tags: ['organizations'],
          operationId: 'cancelOrganizationDeletion',
          description:
            'Undoes a pending deletion while its grace period runs: the organization works again as before.',
          summary: 'Restore the active organization during its grace period.',
          response: { 200: ZOrganization },
        },
      },
      async (request) => {
        const { orgId, userId } = request.principal!;
        return present(
          await deps.tenancy.withTenant(orgId!, (tx) =>
            deps.identity.restore(tx, { orgId: orgId!, userId }),
          ),
        );
      },
    );

    app.delete(
      '/v1/organization/members/:userId/two-factor',
      {
        config: { permission: 'members:manage' },
        schema: {
          tags: ['organizations'],
          operationId: 'resetMemberTwoFactor',
          description:
            'For a member who lost their authenticator: their second factor is off until they turn it on again, so they can sign in with their password.',
          summary:
            "Reset a member's two-factor authentication (lost device): turned off, trusted devices forgotten, the member told by email.",
          params: ZMemberParams,
          response: { 204: z.null().describe('Reset.') },
        },
      },
      async (request, reply) => {
        const { orgId, userId, permissions } = request.principal!;
        // Its event (in the same transaction) has the member told: in-app, and always by mail,
        // by the notifications job (retried until the mail server takes it).
        await deps.tenancy.withTenant(orgId!, (tx) =>
          deps.identity.resetMemberTwoFactor(tx, {
            orgId: orgId!,
            actor: { userId, permissions, context: requestContextOf(request) },
            memberUserId: request.params.userId,
          }),
        );
        return reply.status(204).send(null);
      },
    );
  };
}

import {
  ZCreateRoleBody,
  ZRole,
  ZRoleList,
  ZRoleParams,
  ZUpdateRoleBody,
  type TRole,
} from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RolesService, TRoleActor, TRoleView } from '#server/modules/identity/roles.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import { requestContextOf } from '#server/platform/http/request-context';

const present = (role: TRoleView): TRole => ({
  ...role,
  createdAt: role.createdAt?.toISOString() ?? null,
  updatedAt: role.updatedAt?.toISOString() ?? null,
});

const actorOf = (request: FastifyRequest): TRoleActor => ({
  userId: request.principal!.userId,
  permissions: request.principal!.permissions,
  context: requestContextOf(request),
});

/** The active organization's roles: the four built-in ones and its custom roles. */
export function roleRoutes(deps: { roles: RolesService; tenancy: Tenancy }): FastifyPluginAsyncZod {
  const { roles, tenancy } = deps;
  return async (app) => {
    app.get(
      '/v1/roles',
      {
        config: { permission: 'members:read' },
        schema: {
          tags: ['roles'],
          operationId: 'listRoles',
          description:
            'The four built-in roles (owner, admin, member, viewer) and the custom roles of the active organization, each with its permissions.',
          summary: 'Every role a member of the active organization can hold.',
          response: { 200: ZRoleList },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        const list = await tenancy.withTenant(orgId, (tx) => roles.list(tx, orgId));
        return { data: list.map(present) };
      },
    );

    app.post(
      '/v1/roles',
      {
        config: { permission: 'members:manage' },
        schema: {
          tags: ['roles'],
          operationId: 'createRole',
          description:
            'The name must be free in the organization (409 otherwise, or when the organization has its maximum of custom roles), and the role may grant only permissions the caller holds.',
          summary: 'Create a custom role with any subset of the permissions you hold.',
          body: ZCreateRoleBody,
          response: { 201: ZRole },
        },
      },
      async (request, reply) => {
        const orgId = request.principal!.orgId!;
        const role = await tenancy.withTenant(orgId, (tx) =>
          roles.create(tx, orgId, actorOf(request), request.body),
        );
        return reply.status(201).send(present(role));
      },
    );

    app.get(
      '/v1/roles/:id',
      {
        config: { permission: 'members:read' },
        schema: {
          tags: ['roles'],
          operationId: 'getRole',
          description: 'A custom role of the active organization by id, with its permissions.',
          summary: 'One custom role.',
          params: ZRoleParams,
          response: { 200: ZRole },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        return present(
          await tenancy.withTenant(orgId, (tx) => roles.get(tx, orgId, request.params.id)),
        );
      },
    );

    app.patch(
      '/v1/roles/:id',
      {
        config: { permission: 'members:manage' },
        schema: {
          tags: ['roles'],
          operationId: 'updateRole',
          description:
            'Only what is sent changes. The role may grant only permissions the caller holds.',
          summary: "Change a custom role's description or permissions (its holders get them now).",
          params: ZRoleParams,
          body: ZUpdateRoleBody,
          response: { 200: ZRole },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        return present(
          await tenancy.withTenant(orgId, (tx) =>
            roles.update(tx, orgId, actorOf(request), request.params.id, request.body),
          ),
        );
      },
    );

    app.delete(
      '/v1/roles/:id',
      {
        config: { permission: 'members:manage' },
        schema: {
          tags: ['roles'],
          operationId: 'deleteRole',
          description:
            'Refused (409) while a member holds the role or a pending invitation offers it: give them another role, or revoke the invitations, first.',
          summary: 'Delete a custom role nobody holds or is invited to.',
          params: ZRoleParams,
          response: { 204: z.null().describe('Deleted.') },
        },
      },
      async (request, reply) => {
        const orgId = request.principal!.orgId!;
        await tenancy.withTenant(orgId, (tx) =>
          roles.remove(tx, orgId, actorOf(request), request.params.id),
        );
        return reply.status(204).send(null);
      },
    );
  };
}

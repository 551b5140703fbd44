import {
  ZOrganizationSettings,
  ZUpdateOrganizationSettingsBody,
  type TOrganizationSettings,
} from '@corebase/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { TSettingsRow } from '#server/modules/settings/settings.repository';
import type { SettingsService } from '#server/modules/settings/settings.service';
import type { Tenancy } from '#server/platform/db/tenancy';
import { requestContextOf } from '#server/platform/http/request-context';

const present = (row: TSettingsRow): TOrganizationSettings => ({
  auditRetentionDays: row.auditRetentionDays,
  requireTwoFactor: row.requireTwoFactor,
  updatedAt: row.updatedAt.toISOString(),
});

/** The active organization's settings. */
export function settingsRoutes(deps: {
  settings: SettingsService;
  tenancy: Tenancy;
}): FastifyPluginAsyncZod {
  const { settings, tenancy } = deps;
  return async (app) => {
    app.get(
      '/v1/organization/settings',
      {
        config: { permission: 'organization:read' },
        schema: {
          tags: ['organizations'],
          operationId: 'getOrganizationSettings',
          description:
            'Organization-wide settings, such as whether members must use two-factor authentication and how long audit entries are kept.',
          summary: "The active organization's settings.",
          response: { 200: ZOrganizationSettings },
        },
      },
      async (request) => {
        const orgId = request.principal!.orgId!;
        return present(await tenancy.withTenant(orgId, (tx) => settings.get(tx, orgId)));
      },
    );

    app.patch(
      '/v1/organization/settings',
      {
        config: { permission: 'settings:manage' },
        schema: {
          tags: ['organizations'],
          operationId: 'updateOrganizationSettings',
          description: 'A partial update: only the settings sent change.',
          summary: "Change the active organization's settings (what is sent; the rest stays).",
          body: ZUpdateOrganizationSettingsBody,
          response: { 200: ZOrganizationSettings },
        },
      },
      async (request) => {
        const { orgId, userId, twoFactorEnabled } = request.principal!;
        return present(
          await tenancy.withTenant(orgId!, (tx) =>
            settings.update(
              tx,
              orgId!,
              { userId, twoFactorEnabled, context: requestContextOf(request) },
              request.body,
            ),
          ),
        );
      },
    );
  };
}

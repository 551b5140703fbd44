import { organizationSettingsUpdated } from '@corebase/contracts';
import type { TUpdateOrganizationSettingsBody } from '@corebase/contracts';
import type { Audit, TAuditEntryInput } from '#server/modules/audit/audit.service';
import {
  findSettings,
  insertDefaultSettings,
  updateSettings,
  type TSettingsRow,
} from '#server/modules/settings/settings.repository';
import type { Tx } from '#server/platform/db/database';
import { AppError } from '#server/platform/errors';
import type { Events } from '#server/platform/outbox/events';

export type TSettingsActor = {
  userId: string;
  /** Whether the actor has two-factor on: nobody requires of others what they lack. */
  twoFactorEnabled: boolean;
  context?: TAuditEntryInput['context'];
};

/* Every function runs inside withTenant(orgId): the settings are a tenant table. */
export type SettingsService = {
  /** The organization's settings row with defaults. */
  initialize(tx: Tx, orgId: string): Promise<void>;
  get(tx: Tx, orgId: string): Promise<TSettingsRow>;
  /** Changes what the body names, audited with before and after, announced as an event. */
  update(
    tx: Tx,
    orgId: string,
    actor: TSettingsActor,
    body: TUpdateOrganizationSettingsBody,
  ): Promise<TSettingsRow>;
};

export function createSettingsService(deps: { audit: Audit; events: Events }): SettingsService {
  const load = async (tx: Tx, orgId: string) => {
    const row = await findSettings(tx, orgId);
    if (!row) throw new AppError('not_found', 'This organization has no settings.');
    return row;
  };
  const snapshot = (row: TSettingsRow) => ({
    auditRetentionDays: row.auditRetentionDays,
    requireTwoFactor: row.requireTwoFactor,
  });
  return {
    initialize: insertDefaultSettings,

    get: load,

    async update(tx, orgId, actor, body) {
      const before = await load(tx, orgId);
      if (body.requireTwoFactor === true && !before.requireTwoFactor && !actor.twoFactorEnabled) {
        throw new AppError(
          'conflict',
          'Turn on two-factor authentication for yourself first: requiring it would lock you out.',
        );
      }
      const row = await updateSettings(tx, orgId, {
        ...(body.auditRetentionDays !== undefined
          ? { auditRetentionDays: body.auditRetentionDays }
          : {}),
        ...(body.requireTwoFactor !== undefined ? { requireTwoFactor: body.requireTwoFactor } : {}),
      });
      await deps.audit.record(tx, {
        orgId,
        actor: { type: 'user', id: actor.userId },
        action: 'organization.settings_updated',
        target: { type: 'organization', id: orgId },
        before: snapshot(before),
        after: snapshot(row),
        ...(actor.context ? { context: actor.context } : {}),
      });
      await deps.events.emit(tx, organizationSettingsUpdated, {
        organizationId: orgId,
        ...snapshot(row),
      });
      return row;
    },
  };
}

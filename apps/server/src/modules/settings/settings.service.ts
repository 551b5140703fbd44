import { insertDefaultSettings } from '#server/modules/settings/settings.repository';
import type { Tx } from '#server/platform/db/database';

export type SettingsService = {
  /** Inside withTenant(orgId): the organization's settings row with defaults. */
  initialize(tx: Tx, orgId: string): Promise<void>;
};

export function createSettingsService(): SettingsService {
  return { initialize: insertDefaultSettings };
}

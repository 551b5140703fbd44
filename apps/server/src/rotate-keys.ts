import type { Logger } from 'pino';
import type { TConfig } from '#server/config';
import { readKeyFile, writeKeyFile } from '#server/platform/crypto/key-file';
import { generateKeyEntry, type TKeyEntry } from '#server/platform/crypto/keyring';
import { unreferencedKeyIds, type TReencryptReport } from '#server/platform/crypto/rotation';
import type { Database } from '#server/platform/db/database';
import { createServices } from '#server/server';

export type TRotationOutcome = {
  source: TConfig['encryptionKeySource']['kind'];
  /** The key everything is now encrypted with. */
  currentKeyId: number;
  /** The key this run generated and made current (key file only). */
  addedKeyId: number | undefined;
  /** Keys this run removed from the key file (key file only). */
  retiredKeyIds: number[];
  /** Keys from ENCRYPTION_KEYS no value references any more: they may be removed. */
  removableKeyIds: number[];
  /** What still references something other than the current key: a key id, legacy, plaintext, unreadable. */
  stillReferenced: Record<string, number>;
  /** Values re-encrypted, per column. */
  reencrypted: Record<string, number>;
  failures: TReencryptReport['failures'];
  /** Everything is under the current key, nothing failed. */
  complete: boolean;
};

/**
 * Rotates the keys of secrets at rest. With the generated key file (embedded mode): a new key
 * is written first as current (old ones kept), everything is re-encrypted, and the old keys are
 * removed from the file once no value references them. With ENCRYPTION_KEYS from the
 * environment, which a process cannot edit, the operator has already put a new key first:
 * everything is re-encrypted under it and the old keys nothing references are reported
 * removable. Either way a key still referenced is kept, and the run is audited.
 */
export async function rotateKeys(deps: {
  config: TConfig;
  database: Database;
  logger: Logger;
}): Promise<TRotationOutcome> {
  const { database, logger } = deps;
  const source = deps.config.encryptionKeySource;
  let entries: readonly TKeyEntry[] = deps.config.ENCRYPTION_KEYS;
  let added: TKeyEntry | undefined;
  if (source.kind === 'file') {
    // Read again: the file is the truth, whatever this process was started with.
    const onFile = readKeyFile(source.file);
    added = generateKeyEntry(onFile);
    entries = [added, ...onFile];
    writeKeyFile(source.file, entries);
  }
  const config: TConfig = Object.freeze({ ...deps.config, ENCRYPTION_KEYS: entries });
  const services = createServices(database, config, logger);
  try {
    const { keyring, keyRotation, tenancy, audit } = services;
    const report = await keyRotation.reencryptAll();
    const census = await keyRotation.census();
    const current = String(keyring.currentKeyId);
    const stillReferenced = Object.fromEntries(
      Object.entries(census.total).filter(([ref, count]) => ref !== current && count > 0),
    );
    const complete = report.failures.length === 0 && Object.keys(stillReferenced).length === 0;
    const unused = unreferencedKeyIds(keyring.keyIds, keyring.currentKeyId, census);
    let retiredKeyIds: number[] = [];
    if (source.kind === 'file' && complete && added) {
      const kept = added;
      writeKeyFile(source.file, [kept]);
      retiredKeyIds = entries.filter((entry) => entry.id !== kept.id).map((entry) => entry.id);
    }
    const outcome: TRotationOutcome = {
      source: source.kind,
      currentKeyId: keyring.currentKeyId,
      addedKeyId: added?.id,
      retiredKeyIds,
      removableKeyIds: source.kind === 'file' ? [] : unused,
      stillReferenced,
      reencrypted: Object.fromEntries(report.columns.map((c) => [c.name, c.reencrypted])),
      failures: report.failures,
      complete,
    };
    await tenancy.withPlatform((tx) =>
      audit.record(tx, {
        orgId: null,
        actor: { type: 'system' },
        action: 'keys.rotated',
        target: { type: 'keyring', id: String(keyring.currentKeyId) },
        // Key ids and counts only: never key material, never a value.
        after: {
          ...outcome,
          failures: outcome.failures.map((f) => ({ column: f.column, id: f.id })),
          keyIds: keyring.keyIds,
          via: 'cli',
        },
      }),
    );
    return outcome;
  } finally {
    services.mailer.close();
  }
}

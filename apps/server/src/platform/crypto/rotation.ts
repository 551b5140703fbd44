import { and, asc, gt, isNotNull, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { queryRows, type Tx } from '#server/platform/db/database';
import type { Tenancy } from '#server/platform/db/tenancy';
import type { Keyring } from '#server/platform/crypto/keyring';

/**
 * Which key a stored value is under: a key id of the keyring, `legacy` (a format from before the
 * keyring, encrypted with an older secret), `plaintext` (a column that once held clear values)
 * or `unreadable` (no format its codec knows).
 */
export type TKeyRef = number | 'legacy' | 'plaintext' | 'unreadable';

/** How one column's values are encrypted; supplied by whoever encrypts them. */
export type TValueCodec = {
  /** Throws when the value is in no format the codec knows. */
  keyOf(value: string): Exclude<TKeyRef, 'unreadable'>;
  /** The same secret, encrypted under the current key. Throws when it cannot be decrypted. */
  reencrypt(value: string): Promise<string>;
};

/** A column holding encrypted values, declared by the module that owns (or encrypts) it. */
export type TEncryptedColumn = {
  /** `<table>.<column>`, as reports name it. */
  name: string;
  /** Platform tables are reached with withPlatform; tenant tables (RLS) as the maintenance role. */
  kind: 'platform' | 'tenant';
  table: PgTable;
  id: AnyPgColumn;
  value: AnyPgColumn;
  /** The key id values should be under after a rotation. */
  currentKeyId: number;
  codec: TValueCodec;
};

/**
 * A column our keyring encrypts. Its values are encrypted with the column's name as context
 * (`keyring.encrypt(secret, name)`), so a value copied into another column does not decrypt.
 */
export function keyringColumn(
  keyring: Keyring,
  column: Omit<TEncryptedColumn, 'codec' | 'currentKeyId'>,
): TEncryptedColumn {
  return {
    ...column,
    currentKeyId: keyring.currentKeyId,
    codec: {
      keyOf: (value) => keyring.keyIdOf(value),
      reencrypt: async (value) => keyring.encrypt(keyring.decrypt(value, column.name), column.name),
    },
  };
}

/** The list of encrypted columns, checked once: each column claimed by one declaration. */
export function defineEncryptedColumns(columns: TEncryptedColumn[]): readonly TEncryptedColumn[] {
  const names = columns.map((column) => column.name);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) {
    throw new Error(`encrypted columns declared twice: ${[...new Set(repeated)].join(', ')}`);
  }
  return Object.freeze([...columns]);
}

export type TReencryptReport = {
  columns: { name: string; scanned: number; reencrypted: number; failed: number }[];
  /** Values that could not be re-encrypted (what went wrong; never the value). */
  failures: { column: string; id: string; message: string }[];
};

export type TCensus = {
  /** Per column, how many values are under each key (`String(TKeyRef)`). */
  columns: { name: string; references: Record<string, number> }[];
  /** The same, summed over the columns. */
  total: Record<string, number>;
};

export type KeyRotation = {
  /**
   * Re-encrypts every value not under its column's current key, a batch per transaction. Safe to
   * stop at any point and run again: values already under the current key are skipped, and a
   * value changed meanwhile (by a request) is left to its new writer.
   */
  reencryptAll(): Promise<TReencryptReport>;
  /** Counts the values under each key, every column. */
  census(): Promise<TCensus>;
};

type TRow = { id: string; value: string };

export function createKeyRotation(deps: {
  tenancy: Tenancy;
  columns: readonly TEncryptedColumn[];
  batchSize?: number;
}): KeyRotation {
  const { tenancy, columns } = deps;
  const batchSize = deps.batchSize ?? 200;
  const inScope = <T>(column: TEncryptedColumn, fn: (tx: Tx) => Promise<T>) =>
    column.kind === 'platform' ? tenancy.withPlatform(fn) : tenancy.withMaintenance(fn);

  /** Keyset pages in id order, each read and handled in one transaction. */
  const eachBatch = async (
    column: TEncryptedColumn,
    handle: (tx: Tx, rows: TRow[]) => Promise<void>,
  ) => {
    let after: string | undefined;
    for (;;) {
      const count = await inScope(column, async (tx) => {
        const rows = (await tx
          .select({ id: column.id, value: column.value })
          .from(column.table)
          .where(
            and(isNotNull(column.value), after === undefined ? undefined : gt(column.id, after)),
          )
          .orderBy(asc(column.id))
          .limit(batchSize)) as TRow[];
        await handle(tx, rows);
        after = rows.at(-1)?.id;
        return rows.length;
      });
      if (count < batchSize) return;
    }
  };

  const refOf = (column: TEncryptedColumn, value: string): TKeyRef => {
    try {
      return column.codec.keyOf(value);
    } catch {
      return 'unreadable';
    }
  };

  return {
    async reencryptAll() {
      const report: TReencryptReport = { columns: [], failures: [] };
      for (const column of columns) {
        const entry = { name: column.name, scanned: 0, reencrypted: 0, failed: 0 };
        report.columns.push(entry);
        await eachBatch(column, async (tx, rows) => {
          for (const row of rows) {
            entry.scanned += 1;
            if (refOf(column, row.value) === column.currentKeyId) continue;
            let next: string;
            try {
              next = await column.codec.reencrypt(row.value);
            } catch (error) {
              entry.failed += 1;
              report.failures.push({
                column: column.name,
                id: row.id,
                message: (error as Error).message,
              });
              continue;
            }
            // Compare-and-set: a value rewritten since it was read is its writer's, not ours.
            const updated = await queryRows(
              tx,
              sql`update ${column.table} set ${sql.identifier(column.value.name)} = ${next}
                  where ${column.id} = ${row.id} and ${column.value} = ${row.value}
                  returning 1 as done`,
            );
            if (updated.length > 0) entry.reencrypted += 1;
          }
        });
      }
      return report;
    },

    async census() {
      const census: TCensus = { columns: [], total: {} };
      for (const column of columns) {
        const references: Record<string, number> = {};
        await eachBatch(column, async (_tx, rows) => {
          for (const row of rows) {
            const ref = String(refOf(column, row.value));
            references[ref] = (references[ref] ?? 0) + 1;
            census.total[ref] = (census.total[ref] ?? 0) + 1;
          }
        });
        census.columns.push({ name: column.name, references });
      }
      return census;
    },
  };
}

/** Of `keyIds`, those no value references any more (the current one excepted: it stays). */
export function unreferencedKeyIds(
  keyIds: readonly number[],
  currentKeyId: number,
  census: TCensus,
): number[] {
  return keyIds.filter((id) => id !== currentKeyId && !census.total[String(id)]);
}

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A keyring of numbered keys for secrets at rest. The first key is current: it encrypts; the
 * others only decrypt, until a rotation has re-encrypted every value under the current one and
 * they can be retired. Each key is 32 random bytes, written as base64url.
 *
 * One key list drives every ring that needs one: AES-256-GCM here, and sub-secrets for libraries
 * with their own ring (`subSecrets`), each derived with HKDF under its own label so no two uses
 * ever share key material, and all carrying the same key ids.
 */

/** One key as configured: `<id>:<base64url of 32 bytes>`. */
export type TKeyEntry = { readonly id: number; readonly key: string };

export type Keyring = {
  /** Id of the key new values are encrypted with (the first entry). */
  readonly currentKeyId: number;
  /** Every key id, the current one first. */
  readonly keyIds: readonly number[];
  /** `cb1.<keyId>.<iv>.<ciphertext+tag>`. `context` (say, the column) must be given again to decrypt. */
  encrypt(plaintext: string, context?: string): string;
  decrypt(ciphertext: string, context?: string): string;
  /** The key id a value was encrypted with (KeyringError when it is not a keyring value). */
  keyIdOf(ciphertext: string): number;
  /** True when the value is under a key other than the current one. */
  needsReencryption(ciphertext: string): boolean;
  /** Secrets derived for another ring, one per key, same ids, current first. */
  subSecrets(purpose: string): { version: number; value: string }[];
};

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

const formatVersion = 'cb1';
const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
/** Key ids are small non-negative integers: better-auth's `secrets` versions are the same ids. */
const maxKeyId = 1_000_000;
const base64url = /^[A-Za-z0-9_-]+$/;

const hkdf = (key: Buffer, label: string) =>
  Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `corebase/keyring/v1/${label}`, keyBytes));

/**
 * Parses `<id>:<key>` entries separated by commas or new lines (lines starting with # are
 * comments). Every message says what to fix without repeating key material.
 */
export function parseKeyEntries(text: string): TKeyEntry[] {
  const items = text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) {
    throw new KeyringError(
      'no key: expected "<id>:<key>" entries separated by commas, the current key first',
    );
  }
  const seen = new Set<number>();
  return items.map((item, index) => {
    const where = `entry ${index + 1}`;
    const colon = item.indexOf(':');
    if (colon < 0) {
      throw new KeyringError(
        `${where}: expected "<id>:<key>" (a number, a colon, 43 base64url characters)`,
      );
    }
    const idText = item.slice(0, colon).trim();
    const key = item.slice(colon + 1).trim();
    if (!/^\d+$/.test(idText) || Number(idText) > maxKeyId) {
      throw new KeyringError(
        `${where}: the key id must be a whole number from 0 to ${maxKeyId}, before the colon`,
      );
    }
    const id = Number(idText);
    if (seen.has(id)) throw new KeyringError(`${where}: key id ${id} appears twice`);
    seen.add(id);
    if (!base64url.test(key) || Buffer.from(key, 'base64url').length !== keyBytes) {
      throw new KeyringError(
        `${where} (key id ${id}): the key must be ${keyBytes} random bytes in base64url (43 characters); generate one with: npm run rotate-keys -- --generate`,
      );
    }
    return { id, key };
  });
}

/** As ENCRYPTION_KEYS takes them: comma-separated. */
export const formatKeyEntries = (entries: readonly TKeyEntry[]): string =>
  entries.map((entry) => `${entry.id}:${entry.key}`).join(',');

/** As the generated key file holds them: one a line, after a comment saying what it is. */
export const formatKeyFile = (entries: readonly TKeyEntry[]): string =>
  [
    '# Keys encrypting secrets at rest. The first is current; the others only decrypt.',
    '# Change it only with: npm run rotate-keys (a lost key loses what it encrypted).',
    ...entries.map((entry) => `${entry.id}:${entry.key}`),
  ].join('\n');

/** A new random key whose id follows every id in `entries`. */
export function generateKeyEntry(entries: readonly TKeyEntry[] = []): TKeyEntry {
  const id = entries.length === 0 ? 1 : Math.max(...entries.map((entry) => entry.id)) + 1;
  return { id, key: randomBytes(keyBytes).toString('base64url') };
}

/**
 * A key derived from another secret, for installations that configured none: stable as long as
 * that secret is, so every process sharing it derives the same key.
 */
export function deriveKeyEntry(secret: string, id = 0): TKeyEntry {
  return { id, key: hkdf(Buffer.from(secret, 'utf8'), 'derived-key').toString('base64url') };
}

type TParsed = { keyId: number; iv: Buffer; sealed: Buffer };

function parseCiphertext(value: string): TParsed {
  const parts = value.split('.');
  const [version, keyIdText, ivText, sealedText] = parts;
  if (
    parts.length !== 4 ||
    version !== formatVersion ||
    !keyIdText ||
    !/^\d+$/.test(keyIdText) ||
    !ivText ||
    !base64url.test(ivText) ||
    !sealedText ||
    !base64url.test(sealedText)
  ) {
    throw new KeyringError(
      `not a keyring value: expected "${formatVersion}.<keyId>.<iv>.<ciphertext>"`,
    );
  }
  const iv = Buffer.from(ivText, 'base64url');
  const sealed = Buffer.from(sealedText, 'base64url');
  if (iv.length !== ivBytes || sealed.length < tagBytes) {
    throw new KeyringError('not a keyring value: its IV or authentication tag is truncated');
  }
  return { keyId: Number(keyIdText), iv, sealed };
}

/** The header (and context) are authenticated too: a value moved elsewhere fails to decrypt. */
const associatedData = (keyId: number, context: string | undefined) =>
  Buffer.from(`${formatVersion}.${keyId}${context === undefined ? '' : `|${context}`}`, 'utf8');

export function createKeyring(entries: readonly TKeyEntry[]): Keyring {
  const [current] = entries;
  if (!current) throw new KeyringError('a keyring needs at least one key');
  const aesKeys = new Map<number, Buffer>();
  const masters = new Map<number, Buffer>();
  for (const entry of entries) {
    const master = Buffer.from(entry.key, 'base64url');
    if (master.length !== keyBytes) {
      throw new KeyringError(`key id ${entry.id}: expected ${keyBytes} bytes`);
    }
    if (masters.has(entry.id)) throw new KeyringError(`key id ${entry.id} appears twice`);
    masters.set(entry.id, master);
    aesKeys.set(entry.id, hkdf(master, 'aes-256-gcm'));
  }
  const keyIds = entries.map((entry) => entry.id);

  const keyring: Keyring = {
    currentKeyId: current.id,
    keyIds,
    encrypt(plaintext, context) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', aesKeys.get(current.id)!, iv);
      cipher.setAAD(associatedData(current.id, context));
      const sealed = Buffer.concat([
        cipher.update(plaintext, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return `${formatVersion}.${current.id}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    decrypt(ciphertext, context) {
      const { keyId, iv, sealed } = parseCiphertext(ciphertext);
      const key = aesKeys.get(keyId);
      if (!key) {
        throw new KeyringError(
          `this value was encrypted with key id ${keyId}, which is not in the keyring (keys: ${keyIds.join(', ')}); was it retired too early?`,
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(associatedData(keyId, context));
      decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
      try {
        return Buffer.concat([
          decipher.update(sealed.subarray(0, sealed.length - tagBytes)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new KeyringError(
          `a value under key id ${keyId} failed authentication: it was altered, or belongs elsewhere`,
        );
      }
    },
    keyIdOf: (ciphertext) => parseCiphertext(ciphertext).keyId,
    needsReencryption: (ciphertext) => parseCiphertext(ciphertext).keyId !== current.id,
    subSecrets: (purpose) =>
      entries.map((entry) => ({
        version: entry.id,
        value: hkdf(masters.get(entry.id)!, `sub-secret/${purpose}`).toString('base64url'),
      })),
  };
  return Object.freeze(keyring);
}

import { describe, expect, it } from 'vitest';
import {
  createKeyring,
  deriveKeyEntry,
  formatKeyEntries,
  formatKeyFile,
  generateKeyEntry,
  KeyringError,
  parseKeyEntries,
} from '#server/platform/crypto/keyring';

const one = generateKeyEntry();
const two = generateKeyEntry([one]);

describe('keyring', () => {
  it('round-trips under the current key, and names it in the value', () => {
    const keyring = createKeyring([two, one]);
    const sealed = keyring.encrypt('webhook secret ✓');
    expect(sealed).toMatch(/^cb1\.2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('webhook');
    expect(keyring.decrypt(sealed)).toBe('webhook secret ✓');
    expect(keyring.keyIdOf(sealed)).toBe(2);
    expect(keyring.needsReencryption(sealed)).toBe(false);
    // A fresh IV each time: the same plaintext never gives the same value.
    expect(keyring.encrypt('webhook secret ✓')).not.toBe(sealed);
    expect(keyring.encrypt('')).toMatch(/^cb1\.2\./);
    expect(keyring.decrypt(keyring.encrypt(''))).toBe('');
  });

  it('decrypts values under an older key, and marks them for re-encryption', () => {
    const old = createKeyring([one]).encrypt('kept');
    const rotated = createKeyring([two, one]);
    expect(rotated.decrypt(old)).toBe('kept');
    expect(rotated.keyIdOf(old)).toBe(1);
    expect(rotated.needsReencryption(old)).toBe(true);
    expect(rotated.currentKeyId).toBe(2);
    expect(rotated.keyIds).toEqual([2, 1]);
  });

  it('refuses a tampered value, a swapped key id, or a value from another context', () => {
    const keyring = createKeyring([two, one]);
    const sealed = keyring.encrypt('secret', 'webhooks.secret');
    const [version, keyId, iv, body] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() =>
      keyring.decrypt(
        `${version}.${keyId}.${iv}.${flipped.toString('base64url')}`,
        'webhooks.secret',
      ),
    ).toThrow(/failed authentication/);
    expect(() => keyring.decrypt(`${version}.1.${iv}.${body}`, 'webhooks.secret')).toThrow(
      KeyringError,
    );
    expect(() => keyring.decrypt(sealed, 'other.column')).toThrow(/failed authentication/);
    expect(() => keyring.decrypt(sealed)).toThrow(/failed authentication/);
    expect(keyring.decrypt(sealed, 'webhooks.secret')).toBe('secret');
  });

  it('names an unknown key id, and the keys it has', () => {
    const sealed = createKeyring([two]).encrypt('secret');
    expect(() => createKeyring([one]).decrypt(sealed)).toThrow(
      /key id 2, which is not in the keyring \(keys: 1\)/,
    );
  });

  it('refuses values in no format it knows', () => {
    const keyring = createKeyring([one]);
    for (const bad of [
      '',
      'plain text',
      'cb1.1.abc',
      'cb2.1.aaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaa',
      'cb1.x.a.b',
      `$ba$1$00ff`,
    ]) {
      expect(() => keyring.decrypt(bad), bad).toThrow(/not a keyring value/);
      expect(() => keyring.keyIdOf(bad), bad).toThrow(KeyringError);
    }
    expect(() => keyring.decrypt('cb1.1.AAAA.AAAAAAAAAAAAAAAAAAAAAA')).toThrow(/truncated/);
  });

  it('derives sub-secrets per purpose and per key, with the same ids', () => {
    const keyring = createKeyring([two, one]);
    const library = keyring.subSecrets('better-auth');
    expect(library.map((s) => s.version)).toEqual([2, 1]);
    expect(library[0]!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(library[0]!.value).not.toBe(library[1]!.value);
    expect(keyring.subSecrets('other')[0]!.value).not.toBe(library[0]!.value);
    // Not the key itself, and stable for the same key.
    expect(library.map((s) => s.value)).not.toContain(two.key);
    expect(createKeyring([two]).subSecrets('better-auth')[0]).toEqual(library[0]);
  });

  it('derives the same key from the same secret, another from another', () => {
    expect(deriveKeyEntry('a'.repeat(40))).toEqual(deriveKeyEntry('a'.repeat(40)));
    expect(deriveKeyEntry('a'.repeat(40)).id).toBe(0);
    expect(deriveKeyEntry('a'.repeat(40)).key).not.toBe(deriveKeyEntry('b'.repeat(40)).key);
    expect(() => createKeyring([deriveKeyEntry('a'.repeat(40))])).not.toThrow();
  });
});

describe('key entries', () => {
  it('parses what it formats, as ENCRYPTION_KEYS and as the key file', () => {
    expect(parseKeyEntries(formatKeyEntries([two, one]))).toEqual([two, one]);
    expect(parseKeyEntries(formatKeyFile([two, one]))).toEqual([two, one]);
    expect(parseKeyEntries(` ${two.id}:${two.key} ,\n${one.id}:${one.key}\n`)).toEqual([two, one]);
    expect(generateKeyEntry([one, { id: 7, key: one.key }]).id).toBe(8);
  });

  it('says what is wrong, without repeating the key', () => {
    const secret = one.key;
    const cases: [string, RegExp][] = [
      ['', /no key/],
      [secret, /entry 1: expected "<id>:<key>"/],
      [`x:${secret}`, /entry 1: the key id must be a whole number/],
      [`-1:${secret}`, /the key id must be a whole number/],
      [`1:${secret},1:${two.key}`, /entry 2: key id 1 appears twice/],
      [
        `1:${secret.slice(0, 20)}`,
        /key id 1\): the key must be 32 random bytes.*rotate-keys -- --generate/,
      ],
      [`1:${secret}!`, /must be 32 random bytes/],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        parseKeyEntries(text);
      } catch (caught) {
        error = caught;
      }
      expect(error, text).toBeInstanceOf(KeyringError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secret.slice(0, 20));
    }
  });
});

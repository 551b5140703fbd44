import {
  parseEnvelope,
  symmetricDecrypt,
  symmetricEncrypt,
  type SecretConfig,
} from 'better-auth/crypto';
import { accounts, jwks, twoFactors } from '#server/modules/identity/identity.schema';
import type { Keyring } from '#server/platform/crypto/keyring';
import type { TEncryptedColumn, TValueCodec } from '#server/platform/crypto/rotation';

/**
 * better-auth's versioned `secrets`: one per keyring key, same ids, derived apart from our own
 * AES keys. better-auth encrypts with the first and writes `$ba$<id>$<hex>`; values from before
 * (bare hex, encrypted with AUTH_SECRET alone) still decrypt through its legacy fallback.
 */
export const betterAuthSecrets = (keyring: Keyring) => keyring.subSecrets('better-auth');

/** The same ring as better-auth builds from `secrets` and `secret` (its legacy fallback). */
function secretConfigOf(keyring: Keyring, legacySecret: string): SecretConfig {
  return {
    keys: new Map(betterAuthSecrets(keyring).map((s) => [s.version, s.value])),
    currentVersion: keyring.currentKeyId,
    legacySecret,
  };
}

const bareHex = /^(?:[0-9a-f]{2})+$/i;

/**
 * A codec for values better-auth encrypts. `json`: the ciphertext is stored JSON-encoded (the
 * JWT plugin's private keys). `plaintextAllowed`: the column may still hold clear values from
 * before encryption was turned on (OAuth tokens); re-encryption encrypts them.
 */
function betterAuthCodec(
  secretConfig: SecretConfig,
  options: { json?: boolean; plaintextAllowed?: boolean } = {},
): TValueCodec {
  const unwrap = (value: string): string => {
    if (!options.json) return value;
    const inner: unknown = JSON.parse(value);
    if (typeof inner !== 'string') throw new Error('expected a JSON-encoded ciphertext');
    return inner;
  };
  const keyOf = (value: string) => {
    const inner = unwrap(value);
    const envelope = parseEnvelope(inner);
    if (envelope) return envelope.version;
    // better-auth's own test for an encrypted OAuth token (oauth2/utils isLikelyEncrypted).
    if (bareHex.test(inner)) return 'legacy' as const;
    if (options.plaintextAllowed) return 'plaintext' as const;
    throw new Error('not a better-auth ciphertext');
  };
  return {
    keyOf,
    async reencrypt(value) {
      const plain =
        keyOf(value) === 'plaintext'
          ? unwrap(value)
          : await symmetricDecrypt({ key: secretConfig, data: unwrap(value) });
      const sealed = await symmetricEncrypt({ key: secretConfig, data: plain });
      return options.json ? JSON.stringify(sealed) : sealed;
    },
  };
}

/**
 * The columns better-auth encrypts for us: TOTP secrets, the JWT signing keys, and OAuth tokens
 * when `encryptOAuthTokens` is on (with it off, better-auth reads them as clear text, so they
 * must stay so). Backup codes are hashes (two-factor.ts), not ciphertexts: nothing to rotate.
 */
export function authEncryptedColumns(deps: {
  keyring: Keyring;
  /** AUTH_SECRET: what values from before the keyring were encrypted with. */
  legacySecret: string;
  encryptOAuthTokens: boolean;
}): TEncryptedColumn[] {
  const secretConfig = secretConfigOf(deps.keyring, deps.legacySecret);
  const currentKeyId = deps.keyring.currentKeyId;
  const tokens = betterAuthCodec(secretConfig, { plaintextAllowed: true });
  return [
    {
      name: 'two_factors.secret',
      kind: 'platform',
      table: twoFactors,
      id: twoFactors.id,
      value: twoFactors.secret,
      currentKeyId,
      codec: betterAuthCodec(secretConfig),
    },
    {
      name: 'jwks.private_key',
      kind: 'platform',
      table: jwks,
      id: jwks.id,
      value: jwks.privateKey,
      currentKeyId,
      codec: betterAuthCodec(secretConfig, { json: true }),
    },
    ...(deps.encryptOAuthTokens
      ? (
          [
            ['accounts.access_token', accounts.accessToken],
            ['accounts.refresh_token', accounts.refreshToken],
            // Not accounts.id_token: better-auth stores and reads it as issued (logout hints,
            // get-access-token), so an encrypted one would break it.
          ] as const
        ).map(([name, value]): TEncryptedColumn => ({
          name,
          kind: 'platform',
          table: accounts,
          id: accounts.id,
          value,
          currentKeyId,
          codec: tokens,
        }))
      : []),
  ];
}
